// Flood control for alerts: see floodcontrol.h.
#include "floodcontrol.h"

#include <QHashFunctions>

#include <algorithm>
#include <utility>

namespace portwatch {

size_t qHash(const AlertGroup &group, size_t seed) noexcept
{
    return qHashMulti(seed, group.port, group.exe);
}

FloodControl::FloodControl(Options options, Clock clock)
    : m_options(options)
    , m_clock(clock ? std::move(clock) : Clock([] { return std::chrono::steady_clock::now(); }))
{
}

FloodControl::Decision FloodControl::admit(const AlertGroup &group)
{
    const TimePoint now = m_clock();
    while (!m_recent.empty() && now - m_recent.front().time > m_options.burstWindow)
        m_recent.pop_front();

    // Forget groups that can no longer be repeats, so a long-running session does not accumulate them.
    for (auto it = m_groups.begin(); it != m_groups.end();) {
        const GroupState &state = it.value();
        if (!state.open && !state.inSummary && now - state.lastShown >= m_options.cooldown)
            it = m_groups.erase(it);
        else
            ++it;
    }

    const auto known = m_groups.find(group);
    if (known != m_groups.end()) {
        GroupState &state = known.value();
        state.lastShown = now;
        ++state.repeats;
        if (state.inSummary) {
            // Already listed in the summary on screen: refresh that rather than pop up a single.
            m_lastSummaryMember = now;
            Decision decision;
            decision.kind = Decision::Kind::Summary;
            decision.key = m_summaryKey;
            decision.update = true;
            decision.members = m_summaryMembers;
            decision.wait = summaryWait(now);
            return decision;
        }
        if (!state.open && (summaryActive() || recentPopups(now) >= m_options.popupLimit))
            return startOrExtendSummary(group, now); // it would pop up again: one too many
        if (!state.open)
            m_popups.push_back(now);
        Decision decision;
        decision.kind = Decision::Kind::Single;
        decision.update = state.key != 0;
        if (state.key == 0)
            state.key = newKey();
        state.open = true;
        decision.key = state.key;
        decision.repeats = state.repeats;
        return decision;
    }

    // A group not seen within the cooldown: a new alert, unless it is part of a burst.
    m_recent.push_back({now, group});
    const bool burstOngoing = m_summaryKey != 0 && now - m_lastBurstEvent <= m_options.burstWindow;
    if (burstOngoing || std::cmp_greater_equal(m_recent.size(), m_options.burstThreshold))
        return startOrExtendSummary(group, now);
    // Steady churn is no burst, but it must not pop up one notification per bind either: while a
    // summary still grows, or once the popup budget is spent, new alerts join the summary.
    if (summaryActive() || recentPopups(now) >= m_options.popupLimit)
        return startOrExtendSummary(group, now);
    m_popups.push_back(now);

    GroupState state;
    state.key = newKey();
    state.open = true;
    state.lastShown = now;
    state.repeats = 1;
    m_groups.insert(group, state);

    Decision decision;
    decision.kind = Decision::Kind::Single;
    decision.key = state.key;
    return decision;
}

FloodControl::Decision FloodControl::startOrExtendSummary(const AlertGroup &group, TimePoint now)
{
    m_lastBurstEvent = now;
    m_lastSummaryMember = now;
    Decision decision;
    decision.kind = Decision::Kind::Summary;
    decision.update = m_summaryKey != 0;
    if (m_summaryKey == 0) {
        m_summaryKey = newKey();
        m_summaryMembers.clear();
        m_popups.push_back(now);
        m_summaryShownAt = now;
    }
    decision.key = m_summaryKey;

    // Folded by the rate limit rather than as part of a burst: it is not among the recent ones.
    const bool inBurst = std::any_of(m_recent.cbegin(), m_recent.cend(),
                                     [&group](const BurstEntry &entry) { return entry.group == group; });
    if (!inBurst) {
        if (!m_summaryMembers.contains(group))
            m_summaryMembers.append(group);
        GroupState &state = m_groups[group];
        if (state.open && state.key != 0)
            decision.close.append(state.key);
        state.open = false;
        state.inSummary = true;
        state.lastShown = now;
        state.repeats = std::max(state.repeats, 1);
    }

    // Everything of this burst goes into the summary; singles already shown for it are withdrawn so
    // the user sees one notification, not four plus a summary.
    for (const BurstEntry &entry : m_recent) {
        if (!m_summaryMembers.contains(entry.group))
            m_summaryMembers.append(entry.group);
        GroupState &state = m_groups[entry.group];
        if (state.open && state.key != 0)
            decision.close.append(state.key);
        state.open = false;
        state.inSummary = true;
        if (entry.group == group) {
            state.lastShown = now;
            state.repeats = std::max(state.repeats, 1);
        }
    }
    decision.members = m_summaryMembers;
    // Singles leaving the screen for it are replaced at once; a mere new member can wait.
    if (decision.update && decision.close.isEmpty())
        decision.wait = summaryWait(now);
    else
        m_summaryShownAt = now;
    return decision;
}

std::chrono::milliseconds FloodControl::summaryWait(TimePoint now)
{
    const auto since = now - m_summaryShownAt;
    if (since >= m_options.summaryRefresh) {
        m_summaryShownAt = now;
        return std::chrono::milliseconds(0);
    }
    return std::chrono::ceil<std::chrono::milliseconds>(m_options.summaryRefresh - since);
}

void FloodControl::summaryShown()
{
    m_summaryShownAt = m_clock();
}

bool FloodControl::summaryActive() const
{
    return summaryActiveFor() > std::chrono::milliseconds(0);
}

std::chrono::milliseconds FloodControl::summaryActiveFor() const
{
    if (m_summaryKey == 0)
        return std::chrono::milliseconds(0);
    const auto left = m_options.popupWindow - (m_clock() - m_lastSummaryMember);
    return std::max(std::chrono::milliseconds(0), std::chrono::ceil<std::chrono::milliseconds>(left));
}

int FloodControl::recentPopups(TimePoint now)
{
    while (!m_popups.empty() && now - m_popups.front() >= m_options.popupWindow)
        m_popups.pop_front();
    return int(m_popups.size());
}

void FloodControl::released(quint64 key)
{
    if (key == 0)
        return;
    if (key == m_summaryKey) {
        for (const AlertGroup &member : std::as_const(m_summaryMembers)) {
            const auto it = m_groups.find(member);
            if (it != m_groups.end())
                it->inSummary = false;
        }
        m_summaryKey = 0;
        m_summaryMembers.clear();
        return;
    }
    for (GroupState &state : m_groups) {
        if (state.key == key) {
            state.open = false;
            return;
        }
    }
}

std::optional<AlertGroup> FloodControl::groupOf(quint64 key) const
{
    for (auto it = m_groups.cbegin(); it != m_groups.cend(); ++it) {
        if (it->key == key && key != 0)
            return it.key();
    }
    return std::nullopt;
}

} // namespace portwatch

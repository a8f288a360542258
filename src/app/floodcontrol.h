// Flood control for alerts: decides whether an unexpected listener gets a notification of its own,
// updates one already shown for the same (port, executable), or is folded into a summary: for a
// burst, and for steady churn once a few notifications a minute have popped up. The summary itself
// is refreshed at a bounded rate.
// Pure logic with an injectable clock, so every rule can be tested without timers or a bus.
#pragma once

#include <QHash>
#include <QList>
#include <QString>
#include <QtGlobal>

#include <chrono>
#include <deque>
#include <functional>
#include <optional>

namespace portwatch {

// What one alert is about: a port and the executable holding it. TCP and UDP on the same port
// by the same program (a DNS server, say) are one alert.
struct AlertGroup {
    quint16 port = 0;
    QString exe; // executable path, or the process name when the path is not readable

    friend bool operator==(const AlertGroup &, const AlertGroup &) = default;
};
size_t qHash(const AlertGroup &group, size_t seed = 0) noexcept;

struct FloodOptions {
    // A repeat for the same group within this time updates the earlier notification.
    std::chrono::milliseconds cooldown{std::chrono::seconds(60)};
    // This many new groups within burstWindow become one summary notification.
    int burstThreshold = 4;
    std::chrono::milliseconds burstWindow{2000};
    // At most this many notifications pop up (appear, rather than update one on screen) within
    // popupWindow; beyond that, new alerts join the summary. Steady churn never makes a burst, so
    // without this limit it would pop up one notification per bind.
    int popupLimit = 3;
    std::chrono::milliseconds popupWindow{std::chrono::seconds(60)};
    // An open summary is shown again at most this often, however fast it grows.
    std::chrono::milliseconds summaryRefresh{std::chrono::seconds(10)};
};

class FloodControl final
{
public:
    using Clock = std::function<std::chrono::steady_clock::time_point()>;

    using Options = FloodOptions;

    struct Decision {
        enum class Kind {
            Single,  // show (or update) the notification `key` for this group alone
            Summary, // show (or update) the summary notification `key` listing `members`
        };
        Kind kind = Kind::Single;
        quint64 key = 0;
        bool update = false; // `key` was shown before: replace it rather than add one
        int repeats = 1;     // Single: appearances of this group within the cooldown, this one included
        QList<AlertGroup> members; // Summary: every group in the summary, oldest first
        QList<quint64> close;      // notifications folded into the summary: close them now
        // Summary: show the change only after this long (summaryRefresh not over yet), then call
        // summaryShown(). Zero: show it now (already counted as shown).
        std::chrono::milliseconds wait{0};
    };

    explicit FloodControl(Options options = {}, Clock clock = {});

    void setOptions(const Options &options) { m_options = options; }
    const Options &options() const noexcept { return m_options; }

    // An unexpected listener of `group` appeared: what to show.
    Decision admit(const AlertGroup &group);

    // The notification `key` is gone from the screen (acted on, dismissed, or its listeners vanished).
    // A later repeat of its group within the cooldown brings it back under the same key.
    void released(quint64 key);

    // A deferred summary update (Decision::wait) was shown now.
    void summaryShown();
    // Whether the open summary took a new member within popupWindow: while it does, the flood goes
    // on and the summary should stay on screen even when none of its listeners is left.
    bool summaryActive() const;
    // How long until summaryActive() turns false without further members (zero when it is false).
    std::chrono::milliseconds summaryActiveFor() const;

    bool isSummary(quint64 key) const noexcept { return key != 0 && key == m_summaryKey; }
    std::optional<AlertGroup> groupOf(quint64 key) const;
    QList<AlertGroup> summaryMembers() const { return m_summaryMembers; }

    // A key no alert uses, for other notifications (kill outcomes) sharing the same notifier.
    quint64 newKey() noexcept { return ++m_lastKey; }

private:
    using TimePoint = std::chrono::steady_clock::time_point;

    struct GroupState {
        quint64 key = 0;
        bool open = false;      // its notification is on screen
        bool inSummary = false; // folded into the open summary instead
        TimePoint lastShown;
        int repeats = 0;
    };
    struct BurstEntry {
        TimePoint time;
        AlertGroup group;
    };

    Decision startOrExtendSummary(const AlertGroup &group, TimePoint now);
    // Notifications popped up within popupWindow before `now` (dropping older ones).
    int recentPopups(TimePoint now);
    // How long a summary update must wait for summaryRefresh; zero (and counted as shown) when none.
    std::chrono::milliseconds summaryWait(TimePoint now);

    Options m_options;
    Clock m_clock;
    quint64 m_lastKey = 0;
    QHash<AlertGroup, GroupState> m_groups;
    std::deque<BurstEntry> m_recent; // new groups admitted within the burst window
    quint64 m_summaryKey = 0;        // 0 while no summary is on screen
    QList<AlertGroup> m_summaryMembers;
    TimePoint m_lastBurstEvent;
    TimePoint m_lastSummaryMember; // when the open summary last took a member
    TimePoint m_summaryShownAt;    // when the open summary was last shown
    std::deque<TimePoint> m_popups; // notifications that popped up within popupWindow
};

} // namespace portwatch

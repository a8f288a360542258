// Flood control on its own, with a hand-driven clock: one notification per (port, executable),
// repeats within the cooldown update it, bursts and steady churn become one summary that is
// refreshed at a bounded rate.
#include "app/floodcontrol.h"

#include <QTest>

#include <chrono>
#include <map>
#include <vector>

using namespace std::chrono_literals;
using portwatch::AlertGroup;
using portwatch::FloodControl;
using Kind = FloodControl::Decision::Kind;

class TestFloodControl : public QObject
{
    Q_OBJECT

private:
    std::chrono::steady_clock::time_point m_now{std::chrono::hours(1)};

    FloodControl make(std::chrono::milliseconds cooldown = 60s, int threshold = 4,
                      std::chrono::milliseconds window = 2s, int popupLimit = 3,
                      std::chrono::milliseconds popupWindow = 60s)
    {
        FloodControl::Options options;
        options.cooldown = cooldown;
        options.burstThreshold = threshold;
        options.burstWindow = window;
        options.popupLimit = popupLimit;
        options.popupWindow = popupWindow;
        return FloodControl(options, [this] { return m_now; });
    }

    static AlertGroup group(quint16 port, const char *exe = "/usr/bin/python3")
    {
        return AlertGroup{port, QString::fromLatin1(exe)};
    }

private Q_SLOTS:
    void init() { m_now = std::chrono::steady_clock::time_point(std::chrono::hours(1)); }

    void firstAppearanceIsANewSingle()
    {
        FloodControl flood = make();
        const auto decision = flood.admit(group(8080));
        QCOMPARE(decision.kind, Kind::Single);
        QVERIFY(decision.key != 0);
        QVERIFY(!decision.update);
        QCOMPARE(decision.repeats, 1);
        QVERIFY(decision.close.isEmpty());
        QCOMPARE(flood.groupOf(decision.key), std::optional<AlertGroup>(group(8080)));
        QVERIFY(!flood.isSummary(decision.key));
    }

    void repeatWhileOpenUpdatesTheSameNotification()
    {
        FloodControl flood = make();
        const auto first = flood.admit(group(8080));
        m_now += 5s;
        const auto second = flood.admit(group(8080));
        QCOMPARE(second.kind, Kind::Single);
        QCOMPARE(second.key, first.key);
        QVERIFY(second.update);
        QCOMPARE(second.repeats, 2);
        // Still on screen long after the cooldown: still one notification, updated.
        m_now += 10min;
        const auto third = flood.admit(group(8080));
        QCOMPARE(third.key, first.key);
        QVERIFY(third.update);
        QCOMPARE(third.repeats, 3);
    }

    void repeatWithinCooldownAfterCloseReusesTheKey()
    {
        FloodControl flood = make(60s);
        const auto first = flood.admit(group(8080));
        flood.released(first.key);
        m_now += 59s;
        const auto again = flood.admit(group(8080));
        QCOMPARE(again.kind, Kind::Single);
        QCOMPARE(again.key, first.key);
        QVERIFY(again.update);
        QCOMPARE(again.repeats, 2);
    }

    void afterCooldownAndCloseItIsNewAgain()
    {
        FloodControl flood = make(60s);
        const auto first = flood.admit(group(8080));
        flood.released(first.key);
        m_now += 61s;
        const auto later = flood.admit(group(8080));
        QCOMPARE(later.kind, Kind::Single);
        QVERIFY(later.key != first.key);
        QVERIFY(!later.update);
        QCOMPARE(later.repeats, 1);
        QVERIFY(!flood.groupOf(first.key));
    }

    void portAndExecutableBothMakeTheGroup()
    {
        FloodControl flood = make();
        const auto a = flood.admit(group(8080, "/usr/bin/python3"));
        const auto b = flood.admit(group(8080, "/usr/bin/node"));
        const auto c = flood.admit(group(80, "/usr/bin/python3"));
        QVERIFY(a.key != b.key);
        QVERIFY(a.key != c.key);
        QVERIFY(b.key != c.key);
        QVERIFY(!b.update);
        QVERIFY(!c.update);
    }

    void burstBecomesOneSummary()
    {
        FloodControl flood = make(60s, 4, 2s);
        QList<quint64> singles;
        for (quint16 port = 9001; port <= 9003; ++port) {
            const auto decision = flood.admit(group(port));
            QCOMPARE(decision.kind, Kind::Single);
            singles << decision.key;
            m_now += 300ms;
        }
        const auto fourth = flood.admit(group(9004));
        QCOMPARE(fourth.kind, Kind::Summary);
        QVERIFY(!fourth.update);
        QVERIFY(flood.isSummary(fourth.key));
        QVERIFY(!singles.contains(fourth.key));
        // The singles already shown leave the screen; the summary names all four.
        QCOMPARE(fourth.close, singles);
        QCOMPARE(fourth.members, (QList<AlertGroup>{group(9001), group(9002), group(9003), group(9004)}));

        m_now += 300ms;
        const auto fifth = flood.admit(group(9005));
        QCOMPARE(fifth.kind, Kind::Summary);
        QCOMPARE(fifth.key, fourth.key);
        QVERIFY(fifth.update);
        QVERIFY(fifth.close.isEmpty());
        QCOMPARE(fifth.members.size(), 5);
        QCOMPARE(flood.summaryMembers().size(), 5);
    }

    void spreadOutBindsAreNoBurst()
    {
        // The popup budget is another rule (popupLimitFoldsSpreadOutAlerts); lifted here.
        FloodControl flood = make(60s, 4, 2s, 100);
        for (quint16 port = 9001; port <= 9008; ++port) {
            QCOMPARE(flood.admit(group(port)).kind, Kind::Single);
            m_now += 1100ms; // never four within two seconds
        }
    }

    void repeatsDoNotCountTowardsABurst()
    {
        FloodControl flood = make(60s, 4, 2s);
        const auto first = flood.admit(group(8080));
        for (int i = 0; i < 6; ++i) {
            m_now += 100ms;
            const auto repeat = flood.admit(group(8080));
            QCOMPARE(repeat.kind, Kind::Single);
            QCOMPARE(repeat.key, first.key);
        }
        QCOMPARE(flood.admit(group(8081)).kind, Kind::Single);
    }

    void repeatOfASummarizedGroupRefreshesTheSummary()
    {
        FloodControl flood = make(60s, 4, 2s);
        FloodControl::Decision last;
        for (quint16 port = 9001; port <= 9004; ++port)
            last = flood.admit(group(port));
        QCOMPARE(last.kind, Kind::Summary);
        m_now += 10s;
        const auto repeat = flood.admit(group(9002));
        QCOMPARE(repeat.kind, Kind::Summary);
        QCOMPARE(repeat.key, last.key);
        QVERIFY(repeat.update);
        QCOMPARE(repeat.members.size(), 4);
    }

    void afterTheBurstSinglesAgain()
    {
        FloodControl flood = make(60s, 4, 2s);
        FloodControl::Decision summary;
        for (quint16 port = 9001; port <= 9004; ++port)
            summary = flood.admit(group(port));
        QCOMPARE(summary.kind, Kind::Summary);

        // Quiet for longer than the burst window and the popup window: the next new listener gets
        // its own notification, even though the summary is still on screen.
        m_now += 61s;
        const auto single = flood.admit(group(7000));
        QCOMPARE(single.kind, Kind::Single);
        QVERIFY(single.key != summary.key);

        // Once the summary is gone, a member binding again within the cooldown is shown on its own.
        flood.released(summary.key);
        QVERIFY(!flood.isSummary(summary.key));
        QVERIFY(flood.summaryMembers().isEmpty());
        m_now += 1s;
        const auto member = flood.admit(group(9003));
        QCOMPARE(member.kind, Kind::Single);
        QVERIFY(member.key != summary.key);
        QCOMPARE(flood.groupOf(member.key), std::optional<AlertGroup>(group(9003)));
    }

    void aNewBurstWhileTheSummaryIsOpenUpdatesIt()
    {
        // A short popup window, so that the three singles before the second burst are shown.
        FloodControl flood = make(60s, 4, 2s, 100, 5s);
        FloodControl::Decision summary;
        for (quint16 port = 9001; port <= 9004; ++port)
            summary = flood.admit(group(port));
        m_now += 10s;
        FloodControl::Decision again;
        for (quint16 port = 9101; port <= 9104; ++port)
            again = flood.admit(group(port));
        QCOMPARE(again.kind, Kind::Summary);
        QCOMPARE(again.key, summary.key);
        QVERIFY(again.update);
        QCOMPARE(again.members.size(), 8);
        QCOMPARE(again.close.size(), 3); // the three singles shown before the second burst was one
    }

    void popupLimitFoldsSpreadOutAlerts()
    {
        FloodControl flood = make(60s, 4, 2s, 3, 60s);
        QList<quint64> singles;
        for (quint16 port = 9001; port <= 9003; ++port) {
            const auto decision = flood.admit(group(port));
            QCOMPARE(decision.kind, Kind::Single);
            singles << decision.key;
            m_now += 5s; // far apart: no burst
        }
        // The fourth pop-up within a minute: a summary instead, which takes it alone (the singles
        // before it stay, they were no burst).
        const auto fourth = flood.admit(group(9004));
        QCOMPARE(fourth.kind, Kind::Summary);
        QVERIFY(!fourth.update);
        QVERIFY(!singles.contains(fourth.key));
        QVERIFY(fourth.close.isEmpty());
        QCOMPARE(fourth.members, QList<AlertGroup>{group(9004)});
        QCOMPARE(fourth.wait, 0ms);

        // A single that was closed and binds again would pop up again: it joins the summary too.
        flood.released(singles.at(0));
        m_now += 5s;
        const auto again = flood.admit(group(9001));
        QCOMPARE(again.kind, Kind::Summary);
        QCOMPARE(again.key, fourth.key);
        QVERIFY(again.update);
        QCOMPARE(again.wait, 5000ms); // shown 5 s ago, refreshed at most every 10 s
        QVERIFY(flood.summaryActive());

        // A minute after its last member the flood is over: singles again.
        flood.released(fourth.key);
        m_now += 61s;
        QVERIFY(!flood.summaryActive());
        QCOMPARE(flood.admit(group(7000)).kind, Kind::Single);
    }

    void summaryRefreshIsBounded()
    {
        FloodControl flood = make();
        FloodControl::Decision summary;
        for (quint16 port = 9001; port <= 9004; ++port)
            summary = flood.admit(group(port));
        QCOMPARE(summary.kind, Kind::Summary);
        QCOMPARE(summary.wait, 0ms);
        m_now += 1s;
        QCOMPARE(flood.admit(group(9005)).wait, 9000ms);
        m_now += 2s;
        QCOMPARE(flood.admit(group(9006)).wait, 7000ms);
        m_now += 7s;
        flood.summaryShown(); // the deferred update went out now
        m_now += 4s;
        QCOMPARE(flood.admit(group(9002)).wait, 6000ms); // a member binding again: the same
        m_now += 6s;
        QCOMPARE(flood.admit(group(9007)).wait, 0ms); // due: shown at once
        QCOMPARE(flood.summaryActiveFor(), 60000ms);
    }

    // The churn that once popped up twenty notifications a second: 20 binds a second across 200
    // ports by one program, each listener gone again a second later, for ten minutes; half a
    // minute in, the user closes the summary. Notifications are withdrawn as the controller does:
    // once none of their listeners is left, except a summary while its flood goes on. What the user
    // sees: a few singles, the summary (once more after closing it), then one refresh per 10 s.
    void steadyChurnIsOneSummaryRefreshedAtABoundedRate()
    {
        using TimePoint = std::chrono::steady_clock::time_point;
        FloodControl flood = make();
        int singles = 0;
        int summariesOpened = 0;
        QList<TimePoint> refreshed; // summary updates the controller would send
        auto refreshDue = TimePoint::max(); // no deferred refresh
        std::map<quint64, std::vector<TimePoint>> live; // notification -> when its listeners go
        const TimePoint start = m_now;
        bool closedByUser = false;
        for (int bind = 0; bind < 20 * 600; ++bind) {
            m_now += 50ms;
            if (m_now >= refreshDue) {
                refreshed << m_now;
                flood.summaryShown();
                refreshDue = TimePoint::max();
            }
            for (auto it = live.begin(); it != live.end();) {
                std::erase_if(it->second, [this](TimePoint gone) { return gone <= m_now; });
                const bool userClosed = !closedByUser && flood.isSummary(it->first) && m_now - start >= 30s;
                if (userClosed || (it->second.empty() && !(flood.isSummary(it->first) && flood.summaryActive()))) {
                    closedByUser = closedByUser || userClosed;
                    flood.released(it->first);
                    it = live.erase(it);
                } else {
                    ++it;
                }
            }
            const auto decision = flood.admit(group(quint16(10000 + bind % 200)));
            for (const quint64 folded : decision.close)
                live.erase(folded);
            live[decision.key].push_back(m_now + 1s);
            if (decision.kind == Kind::Single)
                ++singles;
            else if (!decision.update)
                ++summariesOpened;
            else if (decision.wait == 0ms)
                refreshed << m_now;
            else if (refreshDue == TimePoint::max())
                refreshDue = m_now + decision.wait;
        }
        QVERIFY(closedByUser);
        QVERIFY2(singles <= 3, qPrintable(QString::number(singles)));
        QCOMPARE(summariesOpened, 2);
        QCOMPARE(flood.summaryMembers().size(), 200);
        QVERIFY2(refreshed.size() <= 600 / 10, qPrintable(QString::number(refreshed.size())));
        for (qsizetype i = 0; i + 1 < refreshed.size(); ++i)
            QVERIFY2(refreshed.at(i + 1) - refreshed.at(i) >= 10s, qPrintable(QStringLiteral("refresh %1").arg(i)));
    }

    void newKeysNeverCollideWithAlerts()
    {
        FloodControl flood = make();
        const quint64 outcome = flood.newKey();
        const auto alert = flood.admit(group(8080));
        QVERIFY(alert.key != outcome);
        QVERIFY(flood.newKey() != alert.key);
        QVERIFY(!flood.groupOf(outcome));
    }
};

QTEST_GUILESS_MAIN(TestFloodControl)
#include "tst_floodcontrol.moc"

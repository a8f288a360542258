// Tray icon: icon, tooltip and context menu for each monitor state, and the signals its actions emit.
#include "app/trayicon.h"
#include "fakeplatform.h"
#include "traytestutil.h"

#include <QAction>
#include <QFile>
#include <QImage>
#include <QMenu>
#include <QSignalSpy>
#include <QTest>

using namespace portwatch;
using portwatch::platform::Protocol;
using portwatch::testutil::findAction;
using portwatch::testutil::listenerEntries;

namespace {

WatchedListener watched(Protocol protocol, quint16 port, std::uint64_t inode, int pid, const std::string &exe,
                        const std::string &user, Verdict verdict, const char *address = "0.0.0.0")
{
    WatchedListener result;
    result.listener.socket = testing::makeSocket(protocol, port, inode, 1000, address);
    result.listener.user = user;
    if (pid > 0)
        result.listener.owners.push_back(testing::makeProcess(pid, exe, 1000, user));
    else
        result.listener.ownersVisible = false;
    result.verdict = verdict;
    return result;
}

QImage render(MonitorState state)
{
    return TrayIcon::iconFor(state).pixmap(22, 22).toImage().convertToFormat(QImage::Format_ARGB32);
}

} // namespace

class TestTrayIcon : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        Q_INIT_RESOURCE(icons);
        qRegisterMetaType<WatchedListener>();
    }

    void iconsExistAndDifferPerState()
    {
        const QList<MonitorState> states{MonitorState::Clear, MonitorState::Alert, MonitorState::Paused,
                                         MonitorState::Degraded};
        QList<QImage> images;
        for (MonitorState state : states) {
            QVERIFY2(QFile::exists(TrayIcon::iconPath(state)), qPrintable(TrayIcon::iconPath(state)));
            const QImage image = render(state);
            QVERIFY(!image.isNull());
            QCOMPARE(image.size(), QSize(22, 22));
            // Something is drawn, and the corners stay transparent so any panel colour shows through.
            QVERIFY(qAlpha(image.pixel(11, 11)) > 200);
            QCOMPARE(qAlpha(image.pixel(0, 0)), 0);
            images << image;
        }
        for (qsizetype i = 0; i < images.size(); ++i) {
            for (qsizetype j = i + 1; j < images.size(); ++j)
                QVERIFY2(images.at(i) != images.at(j), qPrintable(QStringLiteral("icons %1 and %2").arg(i).arg(j)));
        }
        // The shapes differ, not only the colours: compare the opaque silhouettes.
        auto silhouette = [](const QImage &image) {
            QImage mask(image.size(), QImage::Format_Mono);
            for (int y = 0; y < image.height(); ++y) {
                for (int x = 0; x < image.width(); ++x)
                    mask.setPixel(x, y, qAlpha(image.pixel(x, y)) > 128 ? 1 : 0);
            }
            return mask;
        };
        for (qsizetype i = 0; i < images.size(); ++i) {
            for (qsizetype j = i + 1; j < images.size(); ++j)
                QVERIFY(silhouette(images.at(i)) != silhouette(images.at(j)));
        }
        QVERIFY(!TrayIcon::applicationIcon().pixmap(32, 32).isNull());
    }

    void iconFollowsState()
    {
        TrayIcon tray;
        tray.setState(MonitorState::Alert, {}, {});
        const auto shown = [&tray] {
            return tray.icon().pixmap(22, 22).toImage().convertToFormat(QImage::Format_ARGB32);
        };
        QCOMPARE(shown(), render(MonitorState::Alert));
        tray.setState(MonitorState::Paused, {}, {});
        QCOMPARE(shown(), render(MonitorState::Paused));
        QVERIFY(shown() != render(MonitorState::Alert));
    }

    void clearMenu()
    {
        TrayIcon tray;
        tray.setState(MonitorState::Clear, {}, {});
        const QMenu *menu = tray.menu();
        QVERIFY(listenerEntries(menu).isEmpty());
        QCOMPARE(findAction(menu, QStringLiteral("status"))->text(), QStringLiteral("Portwatch: All clear"));
        QCOMPARE(findAction(menu, QStringLiteral("pause"))->text(), QStringLiteral("Pause monitoring"));
        QVERIFY(findAction(menu, QStringLiteral("settings")));
        QVERIFY(findAction(menu, QStringLiteral("history")));
        QVERIFY(findAction(menu, QStringLiteral("quit")));
        QVERIFY(tray.toolTip().startsWith(QStringLiteral("Portwatch: All clear\n")));
        QVERIFY(tray.toolTip().contains(QStringLiteral("No watched port is in use")));
    }

    // As the monitor reports it: all clear with its reason. The menu says it once, not in two wordings.
    void clearMenuSaysItOnce()
    {
        TrayIcon tray;
        tray.setState(MonitorState::Clear, QStringLiteral("Nothing listens on the watched ports"), {});
        QStringList info;
        for (const QAction *action : tray.menu()->actions()) {
            if (!action->isSeparator() && !action->isEnabled() && action->objectName() != QLatin1String("status"))
                info.append(action->text());
        }
        QCOMPARE(info, QStringList{QStringLiteral("Nothing listens on the watched ports")});
        QCOMPARE(tray.toolTip(), QStringLiteral("Portwatch: All clear\nNothing listens on the watched ports"));
    }

    void alertMenuListsEachPortWithKillAndWhitelist()
    {
        TrayIcon tray;
        const WatchedListener python = watched(Protocol::Tcp, 8080, 11, 4242, "/usr/bin/python3", "alice",
                                               Verdict::Unexpected);
        // The same server on IPv6: one entry, not two.
        const WatchedListener python6 = watched(Protocol::Tcp, 8080, 12, 4242, "/usr/bin/python3", "alice",
                                                Verdict::Unexpected, "::");
        const WatchedListener nginx = watched(Protocol::Tcp, 80, 13, 99, "/usr/sbin/nginx", "www-data",
                                              Verdict::Expected);
        tray.setState(MonitorState::Alert, QStringLiteral("tcp/8080 held by python3"), {nginx, python, python6});

        const QList<QAction *> entries = listenerEntries(tray.menu());
        QCOMPARE(entries.size(), 2);
        QCOMPARE(entries.at(0)->text(), QStringLiteral("tcp/80 HTTP \u2014 nginx (pid 99, user www-data) (whitelisted)"));
        QCOMPARE(entries.at(1)->text(), QStringLiteral("tcp/8080 HTTP alternate \u2014 python3 (pid 4242, user alice) (unexpected)"));
        QCOMPARE(findAction(tray.menu(), QStringLiteral("status"))->text(),
                 QStringLiteral("Portwatch: Unexpected listener"));

        const QMenu *pythonMenu = entries.at(1)->menu();
        QVERIFY(pythonMenu);
        QAction *kill = findAction(pythonMenu, QStringLiteral("kill"));
        QAction *whitelist = findAction(pythonMenu, QStringLiteral("whitelist"));
        QVERIFY(kill && whitelist);
        QVERIFY(kill->isEnabled());
        QVERIFY(whitelist->isEnabled());
        bool listsBoth = false;
        for (const QAction *action : pythonMenu->actions())
            listsBoth |= action->text() == QStringLiteral("Bound to: 0.0.0.0 (2 sockets)");
        QVERIFY(listsBoth);

        QSignalSpy killSpy(&tray, &TrayIcon::killRequested);
        QSignalSpy whitelistSpy(&tray, &TrayIcon::whitelistRequested);
        kill->trigger();
        whitelist->trigger();
        QCOMPARE(killSpy.size(), 1);
        QCOMPARE(killSpy.at(0).at(0).value<WatchedListener>().listener.owners.front().pid, 4242);
        QCOMPARE(whitelistSpy.size(), 1);
        QCOMPARE(whitelistSpy.at(0).at(0).value<WatchedListener>().listener.socket.port, quint16(8080));

        // An expected listener can still be killed; whitelisting it again would add nothing.
        const QMenu *nginxMenu = entries.at(0)->menu();
        QVERIFY(findAction(nginxMenu, QStringLiteral("kill"))->isEnabled());
        QVERIFY(!findAction(nginxMenu, QStringLiteral("whitelist"))->isEnabled());

        const QString tip = tray.toolTip();
        QVERIFY2(tip.startsWith(QStringLiteral("Portwatch: Unexpected listener\n")), qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("tcp/8080 HTTP alternate \u2014 python3 (pid 4242, user alice) (unexpected)")), qPrintable(tip));
        QVERIFY2(tip.contains(QStringLiteral("tcp/80 HTTP \u2014 nginx (pid 99, user www-data) (whitelisted)")), qPrintable(tip));
    }

    void pausedMenuOffersResume()
    {
        TrayIcon tray;
        tray.setState(MonitorState::Clear, {}, {});
        QSignalSpy pauseSpy(&tray, &TrayIcon::pauseToggled);
        findAction(tray.menu(), QStringLiteral("pause"))->trigger();
        QCOMPARE(pauseSpy.size(), 1);
        QCOMPARE(pauseSpy.at(0).at(0).toBool(), true);

        tray.setState(MonitorState::Paused, QStringLiteral("Paused by the user"), {});
        QAction *resume = findAction(tray.menu(), QStringLiteral("pause"));
        QCOMPARE(resume->text(), QStringLiteral("Resume monitoring"));
        resume->trigger();
        QCOMPARE(pauseSpy.size(), 2);
        QCOMPARE(pauseSpy.at(1).at(0).toBool(), false);
        QCOMPARE(findAction(tray.menu(), QStringLiteral("status"))->text(), QStringLiteral("Portwatch: Paused"));
        QVERIFY(tray.toolTip().contains(QStringLiteral("Paused by the user")));
    }

    void hiddenOwnerCanBeWhitelistedNotKilled()
    {
        TrayIcon tray;
        QSignalSpy whitelistSpy(&tray, &TrayIcon::whitelistRequested);
        const WatchedListener hidden = watched(Protocol::Udp, 5353, 21, 0, {}, "bob", Verdict::Unexpected);
        tray.setState(MonitorState::Alert, QStringLiteral("udp/5353 held by a process of user bob (owner hidden)"),
                      {hidden});
        const QList<QAction *> entries = listenerEntries(tray.menu());
        QCOMPARE(entries.size(), 1);
        QCOMPARE(entries.at(0)->text(), QStringLiteral("udp/5353 mDNS \u2014 owner not visible (user bob) (unexpected)"));
        QMenu *sub = entries.at(0)->menu();
        QVERIFY(!findAction(sub, QStringLiteral("kill"))->isEnabled());
        QAction *whitelist = findAction(sub, QStringLiteral("whitelist"));
        QVERIFY(whitelist->isEnabled());
        QCOMPARE(whitelist->text(), QStringLiteral("Whitelist user bob on udp/5353"));
        QStringList infos;
        for (QAction *action : sub->actions())
            infos << action->text();
        QVERIFY2(infos.contains(QStringLiteral("To see it: sudo portwatch-cli who udp/5353"))
                     && infos.contains(QStringLiteral("To stop it: sudo portwatch-cli kill udp/5353")),
                 qPrintable(infos.join(QLatin1Char('|'))));
        whitelist->trigger();
        QCOMPARE(whitelistSpy.size(), 1);

        // Whitelisted by user and port: a normal, explained state.
        WatchedListener trusted = hidden;
        trusted.verdict = Verdict::Expected;
        tray.setState(MonitorState::Clear, QStringLiteral("1 listener on the watched ports, whitelisted"), {trusted});
        QCOMPARE(findAction(tray.menu(), QStringLiteral("status"))->text(), QStringLiteral("Portwatch: All clear"));
        QVERIFY2(tray.toolTip().contains(QStringLiteral("udp/5353 mDNS \u2014 owner not visible (user bob) (whitelisted by user and port)")),
                 qPrintable(tray.toolTip()));
        QVERIFY(!findAction(listenerEntries(tray.menu()).at(0)->menu(), QStringLiteral("whitelist"))->isEnabled());
    }

    void backendFailureShowsTheReason()
    {
        TrayIcon tray;
        tray.setState(MonitorState::Degraded, QStringLiteral("netlink: permission denied"), {});
        QVERIFY(tray.toolTip().contains(QStringLiteral("netlink: permission denied")));
    }

    void otherActionsEmitTheirSignals()
    {
        TrayIcon tray;
        tray.setState(MonitorState::Clear, {}, {});
        QSignalSpy settings(&tray, &TrayIcon::settingsRequested);
        QSignalSpy history(&tray, &TrayIcon::historyRequested);
        QSignalSpy quit(&tray, &TrayIcon::quitRequested);
        findAction(tray.menu(), QStringLiteral("settings"))->trigger();
        findAction(tray.menu(), QStringLiteral("history"))->trigger();
        findAction(tray.menu(), QStringLiteral("quit"))->trigger();
        QCOMPARE(settings.size(), 1);
        QCOMPARE(history.size(), 1);
        QCOMPARE(quit.size(), 1);
    }

    void unchangedStateKeepsTheMenu()
    {
        TrayIcon tray;
        const WatchedListener python = watched(Protocol::Tcp, 8080, 11, 4242, "/usr/bin/python3", "alice",
                                               Verdict::Unexpected);
        tray.setState(MonitorState::Alert, {}, {python});
        QAction *entry = listenerEntries(tray.menu()).value(0);
        QVERIFY(entry);
        // A poll that changed nothing must not close a menu the user is reading.
        tray.setState(MonitorState::Alert, {}, {python});
        QCOMPARE(listenerEntries(tray.menu()).value(0), entry);
        tray.setState(MonitorState::Clear, {}, {});
        QVERIFY(listenerEntries(tray.menu()).isEmpty());
    }

    void tooltipIsBounded()
    {
        QList<WatchedListener> many;
        for (int i = 0; i < 10; ++i)
            many << watched(Protocol::Tcp, quint16(9000 + i), 100 + i, 500 + i, "/usr/bin/nc", "alice", Verdict::Unexpected);
        const QString tip = traytext::tooltip(MonitorState::Alert, {}, many, 8);
        QCOMPARE(tip.count(QLatin1Char('\n')), 9);
        QVERIFY(tip.endsWith(QStringLiteral("\u2026 and 2 more")));
    }

    void sharedSocketNamesTheOtherOwners()
    {
        WatchedListener shared = watched(Protocol::Tcp, 3000, 31, 700, "/usr/bin/node", "alice", Verdict::Unexpected);
        shared.listener.owners.push_back(testing::makeProcess(701, "/usr/bin/node", 1000, "alice"));
        QCOMPARE(traytext::listenerLine(shared.listener),
                 QStringLiteral("tcp/3000 Node.js / Rails dev server \u2014 node (pid 700, user alice) and 1 more process"));
    }
};

QTEST_MAIN(TestTrayIcon)
#include "tst_trayicon.moc"

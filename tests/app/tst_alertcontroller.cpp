// AlertController end to end on a private bus: the real monitor on the real platform watches the
// ephemeral port of a real child (portwatch-test-listener); a fake notification server receives the
// alert and clicks Kill, Whitelist or the body; the test checks the process, the port, the config
// file on disk, and what reached the server. Also the tray-balloon fallback and burst summaries.
#include "app/alertcontroller.h"
#include "app/dbusnotifier.h"
#include "app/notificationrouter.h"
#include "app/traynotifier.h"
#include "childlistener.h"
#include "fakeplatform.h"
#include "core/config.h"
#include "core/configmanager.h"
#include "core/history.h"
#include "core/monitor.h"
#include "fakenotificationserver.h"
#include "fakeplatform.h"
#include "platform/processcontrol.h"
#include "platform/processes.h"
#include "platform/sockettable.h"

#include <unistd.h>

#include <QDBusConnection>
#include <QDBusMessage>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSystemTrayIcon>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <memory>
#include <optional>

using namespace std::chrono_literals;
using namespace portwatch;
using portwatch::testing::ChildListener;

namespace {

constexpr int timeoutMs = 15000;

QString listenerExe()
{
    // The kernel reports the resolved path of the executable.
    return QFileInfo(ChildListener::program()).canonicalFilePath();
}

// The tests' children listen on loopback. Other programs on this machine may hold the same port
// number on other addresses (a benchmark fixture holds thousands), so tests look at this address.
constexpr char childAddress[] = "127.0.0.1";

// Whether anything listens on 127.0.0.1 and the TCP port, asked of the kernel directly.
bool tcpPortHeld(quint16 port)
{
    platform::SocketQuery query;
    query.items.push_back({platform::Protocol::Tcp, {port, port}});
    const auto sockets = platform::makeSocketTable()->query(query).sockets;
    return std::any_of(sockets.cbegin(), sockets.cend(),
                       [](const platform::SocketEntry &socket) { return socket.address == childAddress; });
}

// Everything one test needs: config file, monitor, history and the controller under test.
struct Harness {
    QTemporaryDir dir;
    std::unique_ptr<ConfigManager> config;
    std::unique_ptr<History> history;
    std::unique_ptr<Monitor> monitor;
    std::unique_ptr<AlertController> controller;

    bool start(const QList<quint16> &ports, QString *error)
    {
        if (!dir.isValid()) {
            *error = QStringLiteral("no temporary directory");
            return false;
        }
        Config initial = Config::defaults();
        initial.watched.clear();
        for (const quint16 port : ports)
            initial.watched.append(PortSpec::single(platform::Protocol::Tcp, port));
        initial.whitelist.clear();
        initial.intervalMs = 250;
        initial.firstRunDone = true; // listeners already there are alerts, not a first-run question
        if (!ConfigStore::save(configPath(), initial, error))
            return false;
        config = std::make_unique<ConfigManager>(configPath());
        const ConfigLoad load = config->load();
        if (load.status != ConfigLoad::Status::Loaded) {
            *error = QStringLiteral("config not loaded: %1").arg(load.message);
            return false;
        }
        history = std::make_unique<History>(dir.filePath(QStringLiteral("history.jsonl")));
        monitor = std::make_unique<Monitor>(platform::makeSocketTable(), platform::makeProcessResolver());
        controller = std::make_unique<AlertController>(monitor.get(), config.get(), history.get(),
                                                       platform::makeProcessControl());
        controller->setKillGrace(2000ms);
        // Tests run as root, where every process counts as a system process: play the UI that asks
        // the user and confirms.
        QObject::connect(controller.get(), &AlertController::killConfirmationNeeded, controller.get(),
                         [this](const WatchedListener &listener) { controller->kill(listener, true); });
        monitor->setConfig(config->config());
        monitor->start();
        return true;
    }

    QString configPath() const { return dir.filePath(QStringLiteral("config.json")); }

    std::optional<WatchedListener> listenerOn(quint16 port) const
    {
        for (const WatchedListener &listener : monitor->listeners()) {
            if (listener.listener.socket.port == port && listener.listener.socket.address == childAddress)
                return listener;
        }
        return std::nullopt;
    }

    bool historyHas(HistoryEvent::Kind kind, quint16 port) const
    {
        const auto &events = history->events();
        return std::any_of(events.cbegin(), events.cend(),
                           [&](const HistoryEvent &event) { return event.kind == kind && event.port == port; });
    }
};

// The Notify calls about the process `pid` (the body names "pid N, user ...").
QList<FakeNotificationServer::NotifyCall> alertsFor(const FakeNotificationServer &server, qint64 pid)
{
    QList<FakeNotificationServer::NotifyCall> calls;
    for (const auto &call : server.notifyCalls()) {
        if (call.body.contains(QStringLiteral("(pid %1,").arg(pid)))
            calls.append(call);
    }
    return calls;
}

} // namespace

class TestAlertController : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        Q_INIT_RESOURCE(icons);
        QVERIFY2(QDBusConnection::sessionBus().isConnected(), "run under dbus-run-session");
        qRegisterMetaType<portwatch::WatchedListener>();
        qRegisterMetaType<portwatch::platform::TerminateResult>();
        qRegisterMetaType<portwatch::WhitelistRule>();
    }

    void killFromTheNotificationFreesThePort()
    {
        FakeNotificationServer server;
        QString error;
        QVERIFY2(server.start(&error), qPrintable(error));
        ChildListener child({QStringLiteral("tcp:127.0.0.1:0")});
        QVERIFY2(child.start(), qPrintable(child.error()));
        const quint16 port = child.ports().constFirst();

        Harness harness;
        QVERIFY2(harness.start({port}, &error), qPrintable(error));
        QSignalSpy finished(harness.controller.get(), &AlertController::killFinished);
        QSignalSpy confirmations(harness.controller.get(), &AlertController::killConfirmationNeeded);

        QTRY_COMPARE_WITH_TIMEOUT(alertsFor(server, child.pid()).size(), 1, timeoutMs);
        const auto alert = alertsFor(server, child.pid()).constFirst();
        const std::uint32_t childUid = harness.listenerOn(port)->listener.owners.front().uid;
        QCOMPARE(alert.appName, QStringLiteral("Portwatch"));
        QCOMPARE(alert.hints.value(QStringLiteral("desktop-entry")).toString(), QStringLiteral("portwatch"));
        QCOMPARE(alert.actionIds(), (QStringList{QStringLiteral("default"), QStringLiteral("kill"), QStringLiteral("whitelist")}));
        QVERIFY2(alert.body.contains(QStringLiteral("pid %1").arg(child.pid())), qPrintable(alert.body));
        QVERIFY2(alert.body.contains(listenerExe()), qPrintable(alert.body));
        QVERIFY2(alert.body.contains(QStringLiteral("127.0.0.1:%1").arg(port)), qPrintable(alert.body));
        QVERIFY(!alert.body.contains(QStringLiteral("Click to open")));
        QCOMPARE(alert.image.size(), QSize(64, 64)); // the alert icon itself, no icon theme needed
        QVERIFY(harness.historyHas(HistoryEvent::Kind::Appeared, port));

        server.invokeAction(alert.id, QStringLiteral("kill"));
        QTRY_VERIFY_WITH_TIMEOUT(server.closeCalls().contains(alert.id), timeoutMs);
        QVERIFY(child.waitForExit(timeoutMs));
        QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, timeoutMs);
        const auto result = finished.at(0).at(1).value<platform::TerminateResult>();
        QCOMPARE(result.outcome, platform::TerminateOutcome::Released);
        QVERIFY(!tcpPortHeld(port));
        // Our own child; as root (uid 0, a system account) the click was confirmed first.
        QCOMPARE(confirmations.size(), childUid < 1000 ? 1 : 0);

        // The outcome is told, the monitor sees the listener go, and the history has both.
        const auto released = [&] {
            const auto calls = server.notifyCalls();
            const auto it = std::find_if(calls.cbegin(), calls.cend(), [&](const auto &call) {
                return call.summary == QStringLiteral("Port tcp/%1 released").arg(port);
            });
            return it == calls.cend() ? std::optional<FakeNotificationServer::NotifyCall>() : *it;
        };
        QTRY_VERIFY_WITH_TIMEOUT(released(), timeoutMs);
        // Nothing more to see about an outcome, so no "Details" that would do nothing.
        QCOMPARE(released()->actions, QStringList());
        QCOMPARE(released()->image.size(), QSize(64, 64));
        QTRY_VERIFY_WITH_TIMEOUT(!harness.listenerOn(port), timeoutMs);
        QVERIFY(harness.historyHas(HistoryEvent::Kind::Killed, port));
        QTRY_VERIFY_WITH_TIMEOUT(harness.historyHas(HistoryEvent::Kind::Vanished, port), timeoutMs);
    }

    void whitelistFromTheNotificationIsSavedAndSilencesRebinds()
    {
        FakeNotificationServer server;
        QVERIFY(server.start());
        auto child = std::make_unique<ChildListener>(QStringList{QStringLiteral("tcp:127.0.0.1:0")});
        QVERIFY2(child->start(), qPrintable(child->error()));
        const quint16 port = child->ports().constFirst();
        const qint64 pid = child->pid();

        Harness harness;
        QString error;
        QVERIFY2(harness.start({port}, &error), qPrintable(error));
        QSignalSpy whitelisted(harness.controller.get(), &AlertController::whitelisted);

        QTRY_COMPARE_WITH_TIMEOUT(alertsFor(server, pid).size(), 1, timeoutMs);
        const auto alert = alertsFor(server, pid).constFirst();
        server.invokeAction(alert.id, QStringLiteral("whitelist"));

        QTRY_COMPARE_WITH_TIMEOUT(whitelisted.size(), 1, timeoutMs);
        QTRY_VERIFY_WITH_TIMEOUT(server.closeCalls().contains(alert.id), timeoutMs);
        WhitelistRule expected;
        expected.exe = listenerExe();
        expected.user = QString::fromStdString(platform::userName(static_cast<std::uint32_t>(::getuid())));
        expected.ports = PortSpec::single(platform::Protocol::Tcp, port);
        QCOMPARE(whitelisted.at(0).at(1).value<WhitelistRule>(), expected);
        // On disk, as another process would read it.
        const ConfigLoad onDisk = ConfigStore::load(harness.configPath());
        QCOMPARE(onDisk.status, ConfigLoad::Status::Loaded);
        QVERIFY(onDisk.config.whitelist.contains(expected));
        // Re-judged at once, without waiting for a poll.
        QCOMPARE(harness.listenerOn(port)->verdict, Verdict::Expected);
        QVERIFY(harness.historyHas(HistoryEvent::Kind::Whitelisted, port));

        // The same executable binds the port again: seen, trusted, no notification.
        child.reset();
        QTRY_VERIFY_WITH_TIMEOUT(!harness.listenerOn(port), timeoutMs);
        ChildListener again({QStringLiteral("tcp:127.0.0.1:%1").arg(port)});
        QVERIFY2(again.start(), qPrintable(again.error()));
        QTRY_VERIFY_WITH_TIMEOUT(harness.listenerOn(port).has_value(), timeoutMs);
        QCOMPARE(harness.listenerOn(port)->listener.owners.front().pid, int(again.pid()));
        QCOMPARE(harness.listenerOn(port)->verdict, Verdict::Expected);
        // A marker sent after the re-bind was handled, on the same connection: whatever the
        // controller would have sent for the re-bind is at the server before it.
        Notification marker;
        marker.title = QStringLiteral("marker");
        harness.controller->notifier()->show(999999, marker);
        QTRY_VERIFY_WITH_TIMEOUT(!server.notifyCalls().isEmpty() && server.notifyCalls().constLast().summary == marker.title,
                                 timeoutMs);
        QCOMPARE(alertsFor(server, pid).size(), 1);
        QVERIFY(alertsFor(server, again.pid()).isEmpty());
    }

    void hiddenOwnerAlertsAndIsWhitelistedByUserAndPort()
    {
        // Another user's process Portwatch cannot see: the fake platform reports the socket (uid 0)
        // without owners, as the real one does without privileges.
        FakeNotificationServer server;
        QVERIFY(server.start());
        testing::FakePlatform fake;
        fake.processes->setUserName(0, "root");
        constexpr quint16 port = 8888;
        fake.sockets->addSocket(testing::makeSocket(platform::Protocol::Tcp, port, 9001, 0));

        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("config.json"));
        Config initial;
        initial.watched = {PortSpec::single(platform::Protocol::Tcp, port)};
        initial.intervalMs = 250;
        initial.firstRunDone = true;
        QString error;
        QVERIFY2(ConfigStore::save(path, initial, &error), qPrintable(error));
        ConfigManager config(path);
        QCOMPARE(config.load().status, ConfigLoad::Status::Loaded);
        Monitor monitor(fake.socketTable(), fake.resolver());
        AlertController controller(&monitor, &config, nullptr, platform::makeProcessControl());
        QSignalSpy whitelisted(&controller, &AlertController::whitelisted);
        monitor.setConfig(config.config());
        monitor.start();

        const auto aboutRoot = [&server] {
            QList<FakeNotificationServer::NotifyCall> calls;
            for (const auto &call : server.notifyCalls()) {
                if (call.summary.contains(QStringLiteral("user root")))
                    calls.append(call);
            }
            return calls;
        };
        QTRY_COMPARE_WITH_TIMEOUT(aboutRoot().size(), 1, timeoutMs);
        const auto alert = aboutRoot().constFirst();
        QCOMPARE(alert.summary, QStringLiteral("Port tcp/8888 taken by a process of user root"));
        QVERIFY2(alert.body.contains(QStringLiteral("0.0.0.0:8888")), qPrintable(alert.body));
        QVERIFY2(alert.body.contains(QStringLiteral("sudo portwatch-cli who tcp/8888"))
                     && alert.body.contains(QStringLiteral("sudo portwatch-cli kill tcp/8888")),
                 qPrintable(alert.body));
        // Whitelist, and no Kill that could only fail.
        QCOMPARE(alert.actionIds(), (QStringList{QStringLiteral("default"), QStringLiteral("whitelist")}));

        server.invokeAction(alert.id, QStringLiteral("whitelist"));
        QTRY_COMPARE_WITH_TIMEOUT(whitelisted.size(), 1, timeoutMs);
        WhitelistRule expected;
        expected.user = QStringLiteral("root");
        expected.ports = PortSpec::single(platform::Protocol::Tcp, port);
        QCOMPARE(whitelisted.at(0).at(1).value<WhitelistRule>(), expected);
        QCOMPARE(ConfigStore::load(path).config.whitelist, QList<WhitelistRule>{expected});
        QCOMPARE(monitor.listeners().constFirst().verdict, Verdict::Expected);
        QCOMPARE(toString(monitor.state()), toString(MonitorState::Clear));
        QTRY_VERIFY_WITH_TIMEOUT(server.closeCalls().contains(alert.id), timeoutMs);
    }

    void actionsOnForeignIdsDoNothing()
    {
        FakeNotificationServer server;
        QVERIFY(server.start());
        ChildListener child({QStringLiteral("tcp:127.0.0.1:0")});
        QVERIFY2(child.start(), qPrintable(child.error()));
        const quint16 port = child.ports().constFirst();

        Harness harness;
        QString error;
        QVERIFY2(harness.start({port}, &error), qPrintable(error));
        QSignalSpy confirmations(harness.controller.get(), &AlertController::killConfirmationNeeded);
        QSignalSpy finished(harness.controller.get(), &AlertController::killFinished);
        QSignalSpy whitelisted(harness.controller.get(), &AlertController::whitelisted);
        QSignalSpy details(harness.controller.get(), &AlertController::detailsRequested);

        QTRY_COMPARE_WITH_TIMEOUT(alertsFor(server, child.pid()).size(), 1, timeoutMs);
        const uint ours = alertsFor(server, child.pid()).constFirst().id;
        server.invokeAction(ours + 100, QStringLiteral("kill"));
        server.invokeAction(ours + 101, QStringLiteral("whitelist"));
        // Signals from the server arrive in order: once the click on ours is handled, the foreign
        // ones were seen (and ignored) before it.
        server.invokeAction(ours, QStringLiteral("default"));
        QTRY_COMPARE_WITH_TIMEOUT(details.size(), 1, timeoutMs);
        QCOMPARE(details.at(0).at(0).value<WatchedListener>().listener.socket.port, port);
        QVERIFY(confirmations.isEmpty());
        QVERIFY(finished.isEmpty());
        QVERIFY(whitelisted.isEmpty());
        QVERIFY(child.isRunning());
        QVERIFY(tcpPortHeld(port));
        QVERIFY(!server.closeCalls().contains(ours + 100));
    }

    void aListenerThatGoesAwayTakesItsNotificationAlong()
    {
        FakeNotificationServer server;
        QVERIFY(server.start());
        auto child = std::make_unique<ChildListener>(QStringList{QStringLiteral("tcp:127.0.0.1:0")});
        QVERIFY2(child->start(), qPrintable(child->error()));
        const quint16 port = child->ports().constFirst();

        Harness harness;
        QString error;
        QVERIFY2(harness.start({port}, &error), qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(alertsFor(server, child->pid()).size(), 1, timeoutMs);
        const uint id = alertsFor(server, child->pid()).constFirst().id;

        child.reset(); // ends it
        QTRY_VERIFY_WITH_TIMEOUT(server.closeCalls().contains(id), timeoutMs);
        QVERIFY(!server.openIds().contains(id));
    }

    void withoutAServerTheTrayBalloonLeadsToDetails()
    {
        ChildListener child({QStringLiteral("tcp:127.0.0.1:0")});
        QVERIFY2(child.start(), qPrintable(child.error()));
        const quint16 port = child.ports().constFirst();

        Harness harness;
        QString error;
        QVERIFY2(harness.start({port}, &error), qPrintable(error));
        QSystemTrayIcon icon;
        harness.controller->setTrayIcon(&icon);
        QSignalSpy shown(harness.controller->notifier()->tray(), &TrayNotifier::shown);
        QSignalSpy details(harness.controller.get(), &AlertController::detailsRequested);

        QTRY_COMPARE_WITH_TIMEOUT(harness.controller->notifier()->backend(), NotificationRouter::Backend::Tray, timeoutMs);
        const QString ours = QStringLiteral("(pid %1,").arg(child.pid());
        QTRY_VERIFY_WITH_TIMEOUT(!shown.isEmpty() && shown.constLast().at(1).value<Notification>().body.contains(ours),
                                 timeoutMs);
        const auto balloon = shown.constLast().at(1).value<Notification>();
        QVERIFY2(balloon.title.contains(QStringLiteral("tcp/%1").arg(port)), qPrintable(balloon.title));
        // No buttons on a balloon: the text says where to act, and a click opens the details.
        QVERIFY(!balloon.offerActions);
        QVERIFY(!balloon.body.contains(QStringLiteral("Kill")));
        QVERIFY(balloon.body.contains(QStringLiteral("Click to open Portwatch")));

        // The click is about the latest balloon: ours.
        Q_EMIT icon.messageClicked();
        QCOMPARE(details.size(), 1);
        const auto listener = details.at(0).at(0).value<WatchedListener>();
        QCOMPARE(listener.listener.socket.port, port);
        QCOMPARE(listener.listener.owners.front().pid, int(child.pid()));
        // Clicked once; the balloon is spent.
        Q_EMIT icon.messageClicked();
        QCOMPARE(details.size(), 1);
    }

    // Raised while no server was there (a tray balloon), then the server starts: the alert is
    // raised on it, with its buttons.
    void anAlertRaisedWithoutAServerReachesTheServerOnceItAppears()
    {
        ChildListener child({QStringLiteral("tcp:127.0.0.1:0")});
        QVERIFY2(child.start(), qPrintable(child.error()));
        const quint16 port = child.ports().constFirst();

        Harness harness;
        QString error;
        QVERIFY2(harness.start({port}, &error), qPrintable(error));
        QSignalSpy shown(harness.controller->notifier()->tray(), &TrayNotifier::shown);
        const QString ours = QStringLiteral("(pid %1,").arg(child.pid());
        QTRY_VERIFY_WITH_TIMEOUT(!shown.isEmpty() && shown.constLast().at(1).value<Notification>().body.contains(ours),
                                 timeoutMs);

        FakeNotificationServer server;
        QVERIFY2(server.start(&error), qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(alertsFor(server, child.pid()).size(), 1, timeoutMs);
        QCOMPARE(alertsFor(server, child.pid()).constFirst().actionIds(),
                 (QStringList{QStringLiteral("default"), QStringLiteral("kill"), QStringLiteral("whitelist")}));
        QVERIFY(child.isRunning());
    }

    // The server goes away (and with it every notification it showed), then comes back: the alerts
    // of listeners still unexpected are raised again, the ones gone meanwhile are not.
    void alertsLostWithTheServerAreRaisedWhenItReturns()
    {
        auto server = std::make_unique<FakeNotificationServer>();
        QString error;
        QVERIFY2(server->start(&error), qPrintable(error));
        ChildListener stays({QStringLiteral("tcp:127.0.0.1:0")});
        ChildListener leaves({QStringLiteral("tcp:127.0.0.1:0")});
        QVERIFY2(stays.start(), qPrintable(stays.error()));
        QVERIFY2(leaves.start(), qPrintable(leaves.error()));

        Harness harness;
        QVERIFY2(harness.start({stays.ports().constFirst(), leaves.ports().constFirst()}, &error), qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(alertsFor(*server, stays.pid()).size(), 1, timeoutMs);
        QTRY_COMPARE_WITH_TIMEOUT(alertsFor(*server, leaves.pid()).size(), 1, timeoutMs);

        server.reset(); // the server quits; its notifications are gone
        QTRY_COMPARE_WITH_TIMEOUT(harness.controller->notifier()->backend(), NotificationRouter::Backend::Tray, timeoutMs);
        leaves.process().terminate(); // our own child
        QVERIFY(leaves.waitForExit(timeoutMs));
        const quint16 leftPort = leaves.ports().constFirst();
        QTRY_VERIFY_WITH_TIMEOUT(!harness.listenerOn(leftPort), timeoutMs);

        FakeNotificationServer again;
        QVERIFY2(again.start(&error), qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(alertsFor(again, stays.pid()).size(), 1, timeoutMs);
        const auto alert = alertsFor(again, stays.pid()).constFirst();
        QCOMPARE(alert.replacesId, 0u); // a new server knows none of the old ids
        QVERIFY(alert.actionIds().contains(QStringLiteral("kill")));
        // The one that went away while no server was there is not raised. Both would have been
        // sent in one go; a call on the same connection answered after them proves none is on its way.
        QDBusMessage ping = QDBusMessage::createMethodCall(QString::fromLatin1(DBusNotifier::Service),
                                                           QString::fromLatin1(DBusNotifier::ObjectPath),
                                                           QString::fromLatin1(DBusNotifier::Interface),
                                                           QStringLiteral("GetServerInformation"));
        QCOMPARE(QDBusConnection::sessionBus().call(ping, QDBus::Block, timeoutMs).type(), QDBusMessage::ReplyMessage);
        QCOMPARE(alertsFor(again, leaves.pid()).size(), 0);
        QCOMPARE(again.notifyCalls().size(), 1);
    }

    // A listener whose owner the resolver has not found (a holder busy with thousands of
    // descriptors, one that was exiting) still alerts, as "not identified yet"; once the owner is
    // found the alert names it.
    void anUnidentifiedOwnerStillAlertsAndIsNamedOnceFound()
    {
        FakeNotificationServer server;
        QString error;
        QVERIFY2(server.start(&error), qPrintable(error));
        testing::FakePlatform fake;
        constexpr quint16 port = 47999;
        constexpr std::uint64_t inode = 987654;
        fake.sockets->setSockets({testing::makeSocket(platform::Protocol::Tcp, port, inode)});
        fake.processes->setUnidentified(inode);

        QTemporaryDir dir;
        Config initial = Config::defaults();
        initial.watched = {PortSpec::single(platform::Protocol::Tcp, port)};
        initial.whitelist.clear();
        initial.intervalMs = 250;
        initial.firstRunDone = true;
        const QString path = dir.filePath(QStringLiteral("config.json"));
        QVERIFY2(ConfigStore::save(path, initial, &error), qPrintable(error));
        ConfigManager config(path);
        QCOMPARE(config.load().status, ConfigLoad::Status::Loaded);
        Monitor monitor(fake.socketTable(), fake.resolver());
        AlertController controller(&monitor, &config, nullptr, platform::makeProcessControl());
        monitor.setConfig(config.config());
        monitor.start();

        const auto titled = [&server](const QString &text) {
            const auto calls = server.notifyCalls();
            return std::count_if(calls.cbegin(), calls.cend(),
                                 [&text](const FakeNotificationServer::NotifyCall &call) { return call.summary.contains(text); });
        };
        QTRY_COMPARE_WITH_TIMEOUT(titled(QStringLiteral("not identified yet")), 1, timeoutMs);
        QVERIFY(server.notifyCalls().constFirst().summary.contains(QStringLiteral("tcp/%1").arg(port)));

        fake.processes->setOwners(inode, {testing::makeProcess(4242, "/usr/bin/busyserver")});
        QTRY_COMPARE_WITH_TIMEOUT(titled(QStringLiteral("busyserver")), 1, timeoutMs);
        // The "not identified yet" one is withdrawn: the same socket is named now.
        const uint first = server.notifyCalls().constFirst().id;
        QTRY_VERIFY_WITH_TIMEOUT(server.closeCalls().contains(first), timeoutMs);
    }

    void withoutActionCapabilityTheBodyClickLeadsToDetails()
    {
        FakeNotificationServer server({QStringLiteral("body")});
        QVERIFY(server.start());
        ChildListener child({QStringLiteral("tcp:127.0.0.1:0")});
        QVERIFY2(child.start(), qPrintable(child.error()));
        const quint16 port = child.ports().constFirst();

        Harness harness;
        QString error;
        QVERIFY2(harness.start({port}, &error), qPrintable(error));
        QSignalSpy details(harness.controller.get(), &AlertController::detailsRequested);

        QTRY_COMPARE_WITH_TIMEOUT(alertsFor(server, child.pid()).size(), 1, timeoutMs);
        const auto alert = alertsFor(server, child.pid()).constFirst();
        QCOMPARE(alert.actionIds(), QStringList{QStringLiteral("default")});
        QVERIFY(alert.body.contains(QStringLiteral("Click to open Portwatch")));

        server.invokeAction(alert.id, QStringLiteral("default"));
        QTRY_COMPARE_WITH_TIMEOUT(details.size(), 1, timeoutMs);
        QCOMPARE(details.at(0).at(0).value<WatchedListener>().listener.socket.port, port);
        QVERIFY(child.isRunning());
    }

    void aBurstOfBindsIsOneSummary()
    {
        FakeNotificationServer server;
        QVERIFY(server.start());
        const QString loopback = QStringLiteral("tcp:127.0.0.1:0");
        ChildListener child({loopback, loopback, loopback, loopback, loopback});
        QVERIFY2(child.start(), qPrintable(child.error()));
        QCOMPARE(child.ports().size(), 5);

        Harness harness;
        QString error;
        QVERIFY2(harness.start(child.ports(), &error), qPrintable(error));
        QSignalSpy history(harness.controller.get(), &AlertController::historyRequested);

        QTRY_COMPARE_WITH_TIMEOUT(server.notifyCalls().size(), 1, timeoutMs);
        const auto summary = server.notifyCalls().constFirst();
        // At least our five (another program may hold one of these port numbers elsewhere too).
        static const QRegularExpression title(QStringLiteral(R"(^(\d+) unexpected listeners on watched ports$)"));
        const QRegularExpressionMatch match = title.match(summary.summary);
        QVERIFY2(match.hasMatch(), qPrintable(summary.summary));
        QVERIFY(match.captured(1).toInt() >= 5);
        QVERIFY2(summary.body.startsWith(match.captured(1) + QStringLiteral(" unexpected listeners: ")), qPrintable(summary.body));
        for (const quint16 port : child.ports())
            QVERIFY2(summary.body.contains(QStringLiteral("tcp/%1 portwatch-test-").arg(port)), qPrintable(summary.body));
        // Nothing to kill all at once from a summary; its click opens the history.
        QCOMPARE(summary.actionIds(), QStringList{QStringLiteral("default")});
        server.invokeAction(summary.id, QStringLiteral("default"));
        QTRY_COMPARE_WITH_TIMEOUT(history.size(), 1, timeoutMs);
        QCOMPARE(server.notifyCalls().size(), 1);
    }
};

QTEST_MAIN(TestAlertController)
#include "tst_alertcontroller.moc"

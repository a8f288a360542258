// The notifiers against a fake notification server on a private bus: what Notify carries, ids and
// replaces_id, actions for our ids only, CloseNotification after an action, capabilities, and the
// choice between the desktop server and the tray balloon (also when a server starts later).
#include "app/dbusnotifier.h"
#include "app/notificationrouter.h"
#include "app/traynotifier.h"
#include "fakenotificationserver.h"

#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusReply>
#include <QElapsedTimer>
#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QSystemTrayIcon>
#include <QTest>

#include <memory>

using portwatch::DBusNotifier;
using portwatch::Notification;
using portwatch::NotificationRouter;

namespace {

Notification alertNotification(const QString &title = QStringLiteral("Port tcp/8080 taken by python3"))
{
    Notification notification;
    notification.title = title;
    notification.body = QStringLiteral("python3 (pid 42, user alice)\n/usr/bin/python3.11\nListening on 0.0.0.0:8080");
    notification.offerActions = true;
    notification.persistent = true;
    notification.bodyWithoutActions = notification.body + QStringLiteral("\nClick to open Portwatch.");
    notification.clickLabel = QStringLiteral("Details");
    notification.iconPath = QStringLiteral(":/icons/portwatch-alert.svg");
    return notification;
}

// A notification of some other program, sent on a connection of its own.
uint foreignNotify(const QString &connectionName)
{
    QDBusConnection other = QDBusConnection::connectToBus(QDBusConnection::SessionBus, connectionName);
    QDBusMessage call = QDBusMessage::createMethodCall(QStringLiteral("org.freedesktop.Notifications"),
                                                       QStringLiteral("/org/freedesktop/Notifications"),
                                                       QStringLiteral("org.freedesktop.Notifications"),
                                                       QStringLiteral("Notify"));
    call << QStringLiteral("other-app") << uint(0) << QString() << QStringLiteral("hello") << QStringLiteral("world")
         << QStringList{QStringLiteral("kill"), QStringLiteral("Kill")} << QVariantMap() << -1;
    // Blocking is fine here: the fake answers from its own thread.
    const QDBusReply<uint> reply = other.call(call);
    return reply.isValid() ? reply.value() : 0;
}

// Counts the notifier's "GetCapabilities failed" warnings while it lives.
class CapabilityFailureCounter
{
public:
    CapabilityFailureCounter() { s_previous = qInstallMessageHandler(&CapabilityFailureCounter::handle); }
    ~CapabilityFailureCounter() { qInstallMessageHandler(s_previous); }
    CapabilityFailureCounter(const CapabilityFailureCounter &) = delete;
    CapabilityFailureCounter &operator=(const CapabilityFailureCounter &) = delete;

    static int count() { return s_count; }

private:
    static void handle(QtMsgType type, const QMessageLogContext &context, const QString &message)
    {
        if (message.contains(QLatin1String("GetCapabilities failed")))
            ++s_count;
        if (s_previous)
            s_previous(type, context, message);
    }
    static inline QtMessageHandler s_previous = nullptr;
    static inline int s_count = 0;
};

// A bus of its own on which org.freedesktop.Notifications can be started on demand, but its
// program exits at once: what a session bus offers when the daemon needs a display it lacks.
class BusWithBrokenNotificationService
{
public:
    bool start()
    {
        const QString services = m_dir.filePath(QStringLiteral("services"));
        QDir().mkpath(services);
        QFile service(services + QStringLiteral("/org.freedesktop.Notifications.service"));
        QFile config(m_dir.filePath(QStringLiteral("bus.conf")));
        if (!service.open(QIODevice::WriteOnly) || !config.open(QIODevice::WriteOnly))
            return false;
        service.write("[D-BUS Service]\nName=org.freedesktop.Notifications\nExec=/bin/false\n");
        config.write(QStringLiteral("<busconfig><type>session</type><listen>unix:tmpdir=/tmp</listen><auth>EXTERNAL</auth>"
                                    "<servicedir>%1</servicedir><policy context=\"default\"><allow send_destination=\"*\" eavesdrop=\"true\"/>"
                                    "<allow eavesdrop=\"true\"/><allow own=\"*\"/></policy></busconfig>")
                         .arg(services)
                         .toUtf8());
        service.close();
        config.close();
        m_daemon.start(QStringLiteral("dbus-daemon"),
                       {QStringLiteral("--nofork"), QStringLiteral("--print-address=1"),
                        QStringLiteral("--config-file=") + config.fileName()});
        if (!m_daemon.waitForStarted() || !m_daemon.waitForReadyRead(10000))
            return false;
        m_address = QString::fromUtf8(m_daemon.readLine()).trimmed();
        return !m_address.isEmpty();
    }
    ~BusWithBrokenNotificationService()
    {
        QDBusConnection::disconnectFromBus(QStringLiteral("broken-activation"));
        m_daemon.terminate();
        m_daemon.waitForFinished(5000);
    }
    QDBusConnection connection() const { return QDBusConnection::connectToBus(m_address, QStringLiteral("broken-activation")); }

private:
    QTemporaryDir m_dir;
    QProcess m_daemon;
    QString m_address;
};

} // namespace

class TestDBusNotifier : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        Q_INIT_RESOURCE(icons);
        QVERIFY2(QDBusConnection::sessionBus().isConnected(), "run under dbus-run-session");
    }

    // No icon theme has "portwatch": the picture itself goes along, as image-data and as a PNG path.
    void notifyCarriesTheIconItself()
    {
        FakeNotificationServer server;
        QVERIFY(server.start());
        DBusNotifier notifier;
        notifier.show(1, alertNotification());
        QTRY_COMPARE(server.notifyCalls().size(), 1);
        const auto call = server.notifyCalls().constFirst();
        // width, height, rowstride, has alpha, bits per sample, channels, data size
        QCOMPARE(call.imageFields, (QList<int>{64, 64, 256, 1, 8, 4, 64 * 256}));
        QCOMPARE(call.image.size(), QSize(64, 64));
        // The alert triangle: red inside, transparent in the corner.
        const QColor inside = call.image.pixelColor(20, 52);
        QVERIFY2(inside.red() > 200 && inside.green() < 80 && inside.blue() < 80 && inside.alpha() == 255,
                 qPrintable(inside.name(QColor::HexArgb)));
        QCOMPARE(call.image.pixelColor(0, 0).alpha(), 0);

        QVERIFY2(QDir::isAbsolutePath(call.appIcon), qPrintable(call.appIcon));
        const QImage png(call.appIcon);
        QCOMPARE(png.size(), QSize(64, 64));
        QCOMPARE(png.pixelColor(20, 52).rgb(), inside.rgb());
    }

    // A notification whose click leads nowhere offers no click (no "Details" that does nothing).
    void withoutAClickLabelNoDefaultActionIsOffered()
    {
        FakeNotificationServer server;
        QVERIFY(server.start());
        DBusNotifier notifier;
        Notification outcome;
        outcome.title = QStringLiteral("Port tcp/8080 released");
        outcome.body = QStringLiteral("Ended python3; tcp/8080 is free now.");
        notifier.show(1, outcome);
        QTRY_COMPARE(server.notifyCalls().size(), 1);
        QCOMPARE(server.notifyCalls().constFirst().actions, QStringList());
        QVERIFY(server.notifyCalls().constFirst().image.isNull()); // no icon asked for, none sent
    }

    // dunst lists actions through dmenu; without it on PATH the user is told what to install.
    void dunstWithoutDmenuIsWarnedAbout()
    {
        QTemporaryDir bin;
        QVERIFY(bin.isValid());
        const QByteArray path = qgetenv("PATH");
        qputenv("PATH", bin.path().toLocal8Bit());
        const auto restore = qScopeGuard([&path] { qputenv("PATH", path); });

        FakeNotificationServer server;
        server.setServerName(QStringLiteral("dunst"));
        QVERIFY(server.start());
        DBusNotifier notifier;
        QSignalSpy identified(&notifier, &DBusNotifier::serverIdentified);
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("dunst needs dmenu.*suckless-tools")));
        notifier.show(1, alertNotification());
        QTRY_COMPARE(identified.size(), 1);
        QCOMPARE(notifier.serverName(), QStringLiteral("dunst"));
        QVERIFY2(notifier.serverAdvice().contains(QStringLiteral("suckless-tools")), qPrintable(notifier.serverAdvice()));

        // With dmenu there, or with another server, there is nothing to say.
        QFile dmenu(bin.filePath(QStringLiteral("dmenu")));
        QVERIFY(dmenu.open(QIODevice::WriteOnly));
        dmenu.write("#!/bin/sh\n");
        dmenu.close();
        QVERIFY(dmenu.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
        QCOMPARE(DBusNotifier::adviceFor(QStringLiteral("dunst")), QString());
        QVERIFY(dmenu.remove());
        QCOMPARE(DBusNotifier::adviceFor(QStringLiteral("Xfce Notify Daemon")), QString());
        QVERIFY(!DBusNotifier::adviceFor(QStringLiteral("dunst")).isEmpty());
    }

    void notifyCarriesWhatTheSpecificationAsks()
    {
        FakeNotificationServer server;
        QString error;
        QVERIFY2(server.start(&error), qPrintable(error));
        DBusNotifier notifier;
        QTRY_COMPARE(notifier.presence(), DBusNotifier::Presence::Present);

        notifier.show(1, alertNotification());
        QTRY_COMPARE(server.notifyCalls().size(), 1);
        const auto call = server.notifyCalls().constFirst();
        QCOMPARE(call.appName, QStringLiteral("Portwatch"));
        QCOMPARE(call.replacesId, 0u);
        QCOMPARE(call.summary, QStringLiteral("Port tcp/8080 taken by python3"));
        QVERIFY(call.body.contains(QStringLiteral("pid 42")));
        QVERIFY(!call.body.contains(QStringLiteral("Click to open"))); // the buttons are there
        QCOMPARE(call.actionIds(), (QStringList{QStringLiteral("default"), QStringLiteral("kill"), QStringLiteral("whitelist")}));
        QCOMPARE(call.actions.at(3), QStringLiteral("Kill"));
        QCOMPARE(call.actions.at(5), QStringLiteral("Whitelist"));
        QCOMPARE(call.hints.value(QStringLiteral("desktop-entry")).toString(), QStringLiteral("portwatch"));
        QCOMPARE(call.hints.value(QStringLiteral("urgency")).toInt(), 1);
        QCOMPARE(call.expireTimeout, 0); // an alert stays until acted on or withdrawn
        QTRY_COMPARE(notifier.serverId(1), call.id);
        QVERIFY(notifier.supportsActions());
        QCOMPARE(server.capabilityCalls(), 1);
    }

    void updatesReplaceAndNeverRace()
    {
        FakeNotificationServer server;
        QVERIFY(server.start());
        DBusNotifier notifier;
        QSignalSpy capabilities(&notifier, &DBusNotifier::capabilitiesChanged);
        notifier.show(7, alertNotification(QStringLiteral("first")));
        QTRY_COMPARE(server.notifyCalls().size(), 1);
        QTRY_VERIFY(notifier.serverId(7) != 0);
        const uint id = notifier.serverId(7);

        // Three updates in a row: the first goes out at once with replaces_id, the last one
        // waits for its answer, the middle one is superseded and never sent.
        notifier.show(7, alertNotification(QStringLiteral("second")));
        notifier.show(7, alertNotification(QStringLiteral("third")));
        notifier.show(7, alertNotification(QStringLiteral("fourth")));
        QTRY_COMPARE(server.notifyCalls().size(), 3);
        const auto calls = server.notifyCalls();
        QCOMPARE(calls.at(1).summary, QStringLiteral("second"));
        QCOMPARE(calls.at(1).replacesId, id);
        QCOMPARE(calls.at(2).summary, QStringLiteral("fourth"));
        QCOMPARE(calls.at(2).replacesId, id);
        QCOMPARE(server.openIds(), QList<uint>{id});
        QCOMPARE(capabilities.size(), 1);
    }

    void actionOnOurIdIsReportedAndTheNotificationClosed()
    {
        FakeNotificationServer server;
        QVERIFY(server.start());
        DBusNotifier notifier;
        QSignalSpy actions(&notifier, &DBusNotifier::actionInvoked);
        QSignalSpy closed(&notifier, &DBusNotifier::closed);
        notifier.show(3, alertNotification());
        QTRY_VERIFY(notifier.serverId(3) != 0);
        const uint id = notifier.serverId(3);

        server.invokeAction(id, QStringLiteral("kill"));
        QTRY_COMPARE(actions.size(), 1);
        QCOMPARE(actions.at(0).at(0).value<quint64>(), quint64(3));
        QCOMPARE(actions.at(0).at(1).toString(), QStringLiteral("kill"));
        QCOMPARE(closed.size(), 1);
        QTRY_COMPARE(server.closeCalls(), QList<uint>{id});
        QVERIFY(server.openIds().isEmpty());
        QCOMPARE(notifier.serverId(3), 0u);

        // Acted on once: a second click reported for that id (a confused server) does nothing.
        server.invokeAction(id, QStringLiteral("whitelist"));
        notifier.show(4, alertNotification());
        QTRY_VERIFY(notifier.serverId(4) != 0);
        server.invokeAction(notifier.serverId(4), QStringLiteral("default"));
        QTRY_COMPARE(actions.size(), 2);
        QCOMPARE(actions.at(1).at(0).value<quint64>(), quint64(4));
    }

    void actionsOnForeignIdsAreIgnored()
    {
        FakeNotificationServer server;
        QVERIFY(server.start());
        DBusNotifier notifier;
        QSignalSpy actions(&notifier, &DBusNotifier::actionInvoked);
        notifier.show(5, alertNotification());
        QTRY_VERIFY(notifier.serverId(5) != 0);
        const uint ours = notifier.serverId(5);

        const uint foreign = foreignNotify(QStringLiteral("foreign-client"));
        QVERIFY(foreign != 0);
        QVERIFY(foreign != ours);
        server.invokeAction(foreign, QStringLiteral("kill"));
        server.invokeAction(ours + 1000, QStringLiteral("kill"));
        server.closeNotification(foreign);
        // Signals from one sender arrive in order: once ours is reported, the others were seen.
        server.invokeAction(ours, QStringLiteral("default"));
        QTRY_COMPARE(actions.size(), 1);
        QCOMPARE(actions.at(0).at(0).value<quint64>(), quint64(5));
        QCOMPARE(actions.at(0).at(1).toString(), QStringLiteral("default"));
        QTRY_VERIFY(server.closeCalls().contains(ours));
        QVERIFY(!server.closeCalls().contains(foreign));
        QDBusConnection::disconnectFromBus(QStringLiteral("foreign-client"));
    }

    void closedByTheServerForgetsTheId()
    {
        FakeNotificationServer server;
        QVERIFY(server.start());
        DBusNotifier notifier;
        QSignalSpy actions(&notifier, &DBusNotifier::actionInvoked);
        QSignalSpy closed(&notifier, &DBusNotifier::closed);
        notifier.show(9, alertNotification());
        QTRY_VERIFY(notifier.serverId(9) != 0);
        const uint id = notifier.serverId(9);

        server.closeNotification(id, 2); // dismissed by the user
        QTRY_COMPARE(closed.size(), 1);
        QCOMPARE(closed.at(0).at(0).value<quint64>(), quint64(9));
        QCOMPARE(notifier.serverId(9), 0u);
        server.invokeAction(id, QStringLiteral("kill"));

        // Shown again under the same key: a new notification, not a replacement of the closed one.
        notifier.show(9, alertNotification());
        QTRY_COMPARE(server.notifyCalls().size(), 2);
        QCOMPARE(server.notifyCalls().at(1).replacesId, 0u);
        QVERIFY(actions.isEmpty());
    }

    void closeWhileNotifyIsInFlight()
    {
        FakeNotificationServer server;
        QVERIFY(server.start());
        DBusNotifier notifier;
        notifier.show(11, alertNotification()); // waits for the capabilities
        QTRY_VERIFY(notifier.capabilitiesKnown());
        notifier.show(12, alertNotification());
        notifier.close(12); // before the server answered with an id
        QTRY_COMPARE(server.closeCalls().size(), 1);
        QCOMPARE(server.notifyCalls().size(), 2);
        QCOMPARE(server.closeCalls().constFirst(), server.notifyCalls().at(1).id);
        QCOMPARE(notifier.serverId(12), 0u);
        QVERIFY(notifier.serverId(11) != 0);
    }

    void teardownClosesEveryNotificationWeOwn()
    {
        FakeNotificationServer server;
        QVERIFY(server.start());
        const uint foreign = foreignNotify(QStringLiteral("teardown-other"));
        QVERIFY(foreign != 0);
        auto notifier = std::make_unique<DBusNotifier>();
        notifier->show(51, alertNotification());
        QTRY_VERIFY(notifier->serverId(51) != 0);
        notifier->show(52, alertNotification());
        QTRY_VERIFY(notifier->serverId(52) != 0);
        notifier->show(53, alertNotification()); // the server has not answered this one yet
        QCOMPARE(notifier->serverId(53), 0u);

        QElapsedTimer clock;
        clock.start();
        notifier.reset();
        // Checked without returning to the event loop: a process that exits now leaves nothing behind.
        QCOMPARE(server.notifyCalls().size(), 4); // the other program's and our three
        QCOMPARE(server.openIds(), QList<uint>{foreign});
        QCOMPARE(server.closeCalls().size(), 3);
        QVERIFY(clock.elapsed() < DBusNotifier::ShutdownWait.count() + 250);
    }

    void quittingClosesThemBeforeTheEventLoopEnds()
    {
        FakeNotificationServer server;
        QVERIFY(server.start());
        DBusNotifier notifier;
        QSignalSpy closed(&notifier, &DBusNotifier::closed);
        notifier.show(61, alertNotification());
        QTRY_VERIFY(notifier.serverId(61) != 0);
        // What QCoreApplication::exit() emits; the signal is private, so through the meta-object.
        QVERIFY(QMetaObject::invokeMethod(QCoreApplication::instance(), "aboutToQuit"));
        QVERIFY(server.openIds().isEmpty());
        QCOMPARE(notifier.serverId(61), 0u);
        QVERIFY(closed.isEmpty()); // nobody is left to tell
    }

    void withoutAServerClosingAllDoesNotWait()
    {
        DBusNotifier notifier;
        QTRY_COMPARE(notifier.presence(), DBusNotifier::Presence::Absent);
        notifier.show(71, alertNotification());
        QElapsedTimer clock;
        clock.start();
        notifier.closeAll();
        QVERIFY(clock.elapsed() < DBusNotifier::ShutdownWait.count());
    }

    void withoutActionsOnlyTheBodyClickIsOffered()
    {
        FakeNotificationServer server({QStringLiteral("body"), QStringLiteral("body-markup")});
        QVERIFY(server.start());
        DBusNotifier notifier;
        Notification notification = alertNotification();
        notification.body = QStringLiteral("<script> & co");
        notification.bodyWithoutActions = QStringLiteral("<script> & co, click me");
        notifier.show(2, notification);
        QTRY_COMPARE(server.notifyCalls().size(), 1);
        QVERIFY(!notifier.supportsActions());
        const auto call = server.notifyCalls().constFirst();
        QCOMPARE(call.actionIds(), QStringList{QStringLiteral("default")});
        // The server reads markup, so the body is escaped.
        QCOMPARE(call.body, QStringLiteral("&lt;script&gt; &amp; co, click me"));
    }

    void withoutAServerTheTrayBalloonIsUsed()
    {
        NotificationRouter router;
        QTRY_COMPARE(router.backend(), NotificationRouter::Backend::Tray);
        QCOMPARE(router.desktop()->presence(), DBusNotifier::Presence::Absent);
        QVERIFY(!router.supportsActions());

        QSystemTrayIcon icon;
        router.setTrayIcon(&icon);
        QSignalSpy shown(router.tray(), &portwatch::TrayNotifier::shown);
        QSignalSpy actions(&router, &NotificationRouter::actionInvoked);
        router.show(21, alertNotification());
        QCOMPARE(shown.size(), 1);
        QCOMPARE(router.tray()->currentKey(), quint64(21));
        QCOMPARE(router.tray()->current().title, alertNotification().title);
        QCOMPARE(router.tray()->current().body, alertNotification().bodyWithoutActions);

        // The balloon has no buttons: a click on it is the body click for what it showed.
        Q_EMIT icon.messageClicked();
        QCOMPARE(actions.size(), 1);
        QCOMPARE(actions.at(0).at(0).value<quint64>(), quint64(21));
        QCOMPARE(actions.at(0).at(1).toString(), QStringLiteral("default"));

        // Withdrawn: a late click on that balloon means nothing any more.
        router.show(22, alertNotification());
        router.close(22);
        Q_EMIT icon.messageClicked();
        QCOMPARE(actions.size(), 1);
    }

    void aServerStartingLaterIsUsedFromThen()
    {
        NotificationRouter router;
        QTRY_COMPARE(router.backend(), NotificationRouter::Backend::Tray);
        QSignalSpy backends(&router, &NotificationRouter::backendChanged);

        FakeNotificationServer server;
        QVERIFY(server.start());
        QTRY_COMPARE(router.backend(), NotificationRouter::Backend::Desktop);
        QCOMPARE(backends.size(), 1);
        router.show(31, alertNotification());
        QTRY_COMPARE(server.notifyCalls().size(), 1);
        QCOMPARE(router.tray()->currentKey(), quint64(0));
    }

    void anOnDemandServerThatCannotStartCountsAsAbsentWithoutRetrying()
    {
        BusWithBrokenNotificationService bus;
        QVERIFY(bus.start());
        QVERIFY(bus.connection().isConnected());
        CapabilityFailureCounter failures;
        DBusNotifier notifier(bus.connection());
        QTRY_VERIFY_WITH_TIMEOUT(notifier.presence() == DBusNotifier::Presence::Absent, 10000);
        // Before the fix, presence checks and GetCapabilities chased each other without pause.
        QTest::qWait(1000);
        QVERIFY2(failures.count() <= 1, qPrintable(QString::number(failures.count())));
        QVERIFY(notifier.presence() == DBusNotifier::Presence::Absent);
    }

    void notificationsWaitUntilTheBusHasAnswered()
    {
        FakeNotificationServer server;
        QVERIFY(server.start());
        NotificationRouter router;
        // Shown before the bus said whether a server is there: neither lost nor sent to the tray.
        router.show(41, alertNotification());
        QTRY_COMPARE(server.notifyCalls().size(), 1);
        QCOMPARE(router.backend(), NotificationRouter::Backend::Desktop);
        QCOMPARE(router.tray()->currentKey(), quint64(0));
    }
};

QTEST_MAIN(TestDBusNotifier)
#include "tst_dbusnotifier.moc"

// The words of notifications and listeners: kill outcomes that say each thing once, for every
// TerminateOutcome, with and without the platform's own message; the shared listener wording
// (listenertext) that notifications, tray and dialogs use alike.
#include "app/alerttext.h"
#include "core/listenertext.h"
#include "app/traytext.h"

#include <QRegularExpression>
#include <QSet>
#include <QTest>

using portwatch::WatchedListener;
using portwatch::platform::TerminateOutcome;
using portwatch::platform::TerminateResult;
namespace alerttext = portwatch::alerttext;
namespace platform = portwatch::platform;

Q_DECLARE_METATYPE(TerminateOutcome)

namespace {

platform::ProcessInfo process(int pid, const char *name, const char *user)
{
    platform::ProcessInfo info;
    info.pid = pid;
    info.name = name;
    info.exe = std::string("/usr/bin/") + name;
    info.user = user;
    info.uid = 1000;
    return info;
}

WatchedListener ncOn8080()
{
    WatchedListener watched;
    watched.listener.socket.port = 8080;
    watched.listener.socket.address = "0.0.0.0";
    watched.listener.user = "alice";
    watched.listener.owners = {process(4242, "nc", "alice")};
    watched.verdict = portwatch::Verdict::Unexpected;
    return watched;
}

TerminateResult result(TerminateOutcome outcome, std::string message = {})
{
    TerminateResult r;
    r.outcome = outcome;
    r.message = std::move(message);
    if (outcome == TerminateOutcome::StillHeld) {
        platform::Listener holder = ncOn8080().listener;
        holder.owners = {process(5151, "python3", "bob")};
        r.stillHeldBy = {holder};
    }
    return r;
}

// Sentences of a body, for "nothing said twice": split at line ends and sentence ends.
QStringList sentences(const QString &body)
{
    QStringList parts = body.split(QRegularExpression(QStringLiteral("(?<=[.:;])\\s+|\\n")), Qt::SkipEmptyParts);
    for (QString &part : parts)
        part = part.trimmed();
    return parts;
}

} // namespace

class TestAlertText : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void outcomes_data()
    {
        QTest::addColumn<TerminateOutcome>("outcome");
        // What the Linux backend says (processcontrol.cpp), so the texts are checked against the real
        // sentences they are combined with.
        QTest::addColumn<QString>("platformMessage");
        QTest::addColumn<QString>("title");
        QTest::addColumn<QStringList>("mustSay"); // each exactly once in the body
        QTest::addColumn<QStringList>("mustNotSay");

        const QString released = QStringLiteral("Ended nc (pid 4242, user alice); tcp/8080 is free now.");
        const QString stillHeld = QStringLiteral(
            "Ended nc (pid 4242, user alice), but tcp/8080 is still held by python3 (pid 5151, user bob).");
        const QString denied = QStringLiteral("Not allowed to end nc (pid 4242, user alice), which holds tcp/8080 and runs as "
                                              "user alice: run Portwatch as alice or as root (for example with sudo).");
        const QString gone = QStringLiteral("nc (pid 4242, user alice) has already exited; tcp/8080 was not touched.");
        const QString refused = QStringLiteral("Refusing to end systemd (pid 1), the system's init process, which holds tcp/8080.");
        const QString failed = QStringLiteral("nc (pid 4242, user alice) survived SIGKILL (it may be stuck in the kernel) and still holds tcp/8080.");

        for (const bool withMessage : {true, false}) {
            const char *suffix = withMessage ? "platform message" : "no message";
            const auto msg = [withMessage](const QString &text) { return withMessage ? text : QString(); };
            QTest::addRow("released, %s", suffix)
                << TerminateOutcome::Released << msg(released) << QStringLiteral("Port tcp/8080 released")
                << QStringList{QStringLiteral("free now")} << QStringList{QStringLiteral("portwatch-cli")};
            QTest::addRow("still held, %s", suffix)
                << TerminateOutcome::StillHeld << msg(stillHeld) << QStringLiteral("Port tcp/8080 is still held")
                << QStringList{QStringLiteral("python3 (pid 5151"), QStringLiteral("still held by"),
                               QStringLiteral("portwatch-cli kill tcp/8080")}
                << QStringList{QStringLiteral("free now")};
            QTest::addRow("permission denied, %s", suffix)
                << TerminateOutcome::PermissionDenied << msg(denied)
                << QStringLiteral("Not allowed to end the holder of tcp/8080")
                << QStringList{QStringLiteral("sudo portwatch-cli kill tcp/8080"), QStringLiteral("Not allowed")}
                << QStringList{QStringLiteral("free now")};
            QTest::addRow("already gone, %s", suffix)
                << TerminateOutcome::AlreadyGone << msg(gone) << QStringLiteral("The holder of tcp/8080 was already gone")
                << QStringList{QStringLiteral("already exited")} << QStringList{QStringLiteral("portwatch-cli")};
            QTest::addRow("refused, %s", suffix)
                << TerminateOutcome::Refused << msg(refused) << QStringLiteral("Portwatch will not end the holder of tcp/8080")
                << QStringList{QStringLiteral("whitelist it")} << QStringList{QStringLiteral("portwatch-cli")};
            QTest::addRow("failed, %s", suffix)
                << TerminateOutcome::Failed << msg(failed) << QStringLiteral("Could not end the holder of tcp/8080")
                << QStringList{QStringLiteral("log"), QStringLiteral("portwatch-cli kill tcp/8080")}
                << QStringList{QStringLiteral("free now")};
        }
    }

    void outcomes()
    {
        QFETCH(TerminateOutcome, outcome);
        QFETCH(QString, platformMessage);
        QFETCH(QString, title);
        QFETCH(QStringList, mustSay);
        QFETCH(QStringList, mustNotSay);

        const auto notification = alerttext::killOutcome(ncOn8080(), {result(outcome, platformMessage.toStdString())});
        QCOMPARE(notification.title, title);
        const QString body = notification.body;
        for (const QString &phrase : mustSay)
            QVERIFY2(body.count(phrase) == 1, qPrintable(phrase + QStringLiteral(" not once in: ") + body));
        for (const QString &phrase : mustNotSay)
            QVERIFY2(!body.contains(phrase), qPrintable(phrase + QStringLiteral(" in: ") + body));
        if (!platformMessage.isEmpty())
            QVERIFY(body.startsWith(platformMessage));
        const QStringList said = sentences(body);
        QCOMPARE(QSet<QString>(said.cbegin(), said.cend()).size(), said.size());
        // The title and the body do not say the same sentence either.
        QVERIFY(!said.contains(title));
    }

    void releasedSaysFreeOnceWithoutAMessage()
    {
        const auto notification = alerttext::killOutcome(ncOn8080(), {result(TerminateOutcome::Released)});
        QCOMPARE(notification.body, QStringLiteral("Ended nc; tcp/8080 is free now."));
        QCOMPARE(notification.urgency, portwatch::Notification::Urgency::Normal);
    }

    void aDenialOutweighsALaterRelease()
    {
        const auto notification = alerttext::killOutcome(
            ncOn8080(), {result(TerminateOutcome::PermissionDenied), result(TerminateOutcome::Released)});
        QCOMPARE(notification.title, QStringLiteral("Not allowed to end the holder of tcp/8080"));
        QCOMPARE(notification.urgency, portwatch::Notification::Urgency::Critical);
        QCOMPARE(notification.body.count(QStringLiteral("sudo portwatch-cli kill tcp/8080")), 1);
    }

    void listenerWords()
    {
        WatchedListener watched = ncOn8080();
        namespace text = portwatch::listenertext;
        QCOMPARE(text::port(watched.listener.socket), QStringLiteral("tcp/8080"));
        QCOMPARE(text::address(watched.listener.socket), QStringLiteral("0.0.0.0:8080"));
        watched.listener.socket.family = platform::Family::IPv6;
        watched.listener.socket.address = "::1";
        QCOMPARE(text::address(watched.listener.socket), QStringLiteral("[::1]:8080"));
        QCOMPARE(text::owner(watched.listener.owners.front()), QStringLiteral("nc (pid 4242, user alice)"));

        platform::ProcessInfo unnamed = process(7, "", "");
        unnamed.exe = "/opt/tool/bin/server";
        unnamed.uid = 1001;
        QCOMPARE(text::processName(unnamed), QStringLiteral("server"));
        QCOMPARE(text::owner(unnamed), QStringLiteral("server (pid 7, user 1001)"));
        unnamed.exe.clear();
        QCOMPARE(text::processName(unnamed), QStringLiteral("pid 7"));

        watched.listener.owners.push_back(process(4243, "nc", "alice"));
        QCOMPARE(text::owners(watched.listener, QStringLiteral(", ")),
                 QStringLiteral("nc (pid 4242, user alice), nc (pid 4243, user alice)"));
        watched.listener.owners.clear();
        watched.listener.ownersVisible = false;
        QCOMPARE(text::owners(watched.listener), QStringLiteral("owner not visible (user alice)"));
        watched.listener.ownersVisible = true;
        QCOMPARE(text::owners(watched.listener), QStringLiteral("no visible process"));
    }

    // A hidden owner: the user, the address, how to see or stop it, and Whitelist without Kill.
    void hiddenOwnerAlert()
    {
        WatchedListener hidden = ncOn8080();
        hidden.listener.socket.port = 8888;
        hidden.listener.socket.uid = 0;
        hidden.listener.user = "root";
        hidden.listener.owners.clear();
        hidden.listener.ownersVisible = false;
        const portwatch::Notification alert = alerttext::alert({hidden}, 1);
        QCOMPARE(alert.title, QStringLiteral("Port tcp/8888 taken by a process of user root"));
        QVERIFY(alert.offerActions);
        QVERIFY(!alert.offerKill);
        QVERIFY2(alert.body.contains(QStringLiteral("Listening on 0.0.0.0:8888")), qPrintable(alert.body));
        QVERIFY2(alert.body.contains(QStringLiteral("To see it: sudo portwatch-cli who tcp/8888."))
                     && alert.body.contains(QStringLiteral("To stop it: sudo portwatch-cli kill tcp/8888.")),
                 qPrintable(alert.body));
        QVERIFY(alert.bodyWithoutActions.contains(QStringLiteral("whitelist it by user and port")));
        // A visible owner keeps Kill and has no such explanation.
        const portwatch::Notification visible = alerttext::alert({ncOn8080()}, 1);
        QVERIFY(visible.offerKill);
        QVERIFY(!visible.body.contains(QStringLiteral("sudo")));
    }

    // The same listener reads the same in a notification and in the tray.
    void notificationAndTraySayTheSameOwner()
    {
        const WatchedListener watched = ncOn8080();
        const auto notification = alerttext::alert({watched}, 1);
        QCOMPARE(notification.title, QStringLiteral("Port tcp/8080 taken by nc"));
        const QString owner = QStringLiteral("nc (pid 4242, user alice)");
        QVERIFY2(notification.body.startsWith(owner), qPrintable(notification.body));
        QCOMPARE(portwatch::traytext::listenerLine(watched.listener), QStringLiteral("tcp/8080 HTTP alternate \u2014 ") + owner);
        const portwatch::TrayEntry entry{watched, 1, watched.verdict};
        QCOMPARE(portwatch::traytext::entryText(entry),
                 QStringLiteral("tcp/8080 HTTP alternate \u2014 ") + owner + QStringLiteral(" (unexpected)"));
        QVERIFY2(notification.body.contains(QStringLiteral("Listening on 0.0.0.0:8080 (HTTP alternate)")),
                 qPrintable(notification.body));
    }

    // Say what the port is: a name from the built-in table, the services file, or just the port.
    void portsSayWhatTheyAre()
    {
        namespace text = portwatch::listenertext;
        platform::SocketEntry socket;
        socket.port = 5432;
        QCOMPARE(text::portAndService(socket), QStringLiteral("tcp/5432 PostgreSQL"));
        socket.port = 47613; // named by nobody
        QCOMPARE(text::portAndService(socket), QStringLiteral("tcp/47613"));
    }

    // Show what the process is: the command line as typed, shortened, and where it came from.
    void processesSayWhatTheyRun()
    {
        namespace text = portwatch::listenertext;
        platform::ProcessInfo python = process(4242, "python3", "alice");
        python.exe = "/usr/bin/python3.11";
        python.cmdline = {"/usr/bin/python3", "-m", "http.server", "8000"};
        QCOMPARE(text::shortCommand(python), QStringLiteral("python3 -m http.server 8000"));
        QCOMPARE(text::commandOwner(python), QStringLiteral("python3 -m http.server 8000 (pid 4242, user alice)"));

        // Two python3 are told apart by what they run, not only by their pid.
        platform::ProcessInfo other = python;
        other.pid = 4243;
        other.cmdline = {"python3", "/home/alice/projects/very-long-project-name/backend/manage.py", "runserver"};
        QCOMPARE(text::shortCommand(other), QStringLiteral("python3 \u2026/manage.py runserver"));
        QVERIFY(text::shortCommand(other) != text::shortCommand(python));

        // Cut at the limit with an ellipsis; a missing command line falls back to the name.
        other.cmdline = {"node", std::string(100, 'x')};
        QCOMPARE(text::shortCommand(other, 20).size(), 20);
        QVERIFY(text::shortCommand(other, 20).endsWith(QStringLiteral("\u2026")));
        other.cmdline.clear();
        QCOMPARE(text::shortCommand(other), QStringLiteral("python3"));
        other.cmdline = {"/bin/sh", "-c", "sleep 1; echo done"};
        QCOMPARE(text::shortCommand(other), QStringLiteral("sh -c 'sleep 1; echo done'"));

        QCOMPARE(text::parent(python), QString()); // not known
        python.ppid = 4100;
        QCOMPARE(text::parent(python), QStringLiteral("pid 4100"));
        python.parentName = "bash";
        QCOMPARE(text::parent(python), QStringLiteral("bash (pid 4100)"));
        python.cwd = "/home/alice/site";

        WatchedListener watched = ncOn8080();
        watched.listener.socket.port = 8000;
        watched.listener.owners = {python};
        const auto notification = alerttext::alert({watched}, 1);
        const QStringList lines = notification.body.split(QLatin1Char('\n'));
        QVERIFY2(lines.contains(QStringLiteral("python3 -m http.server 8000")), qPrintable(notification.body));
        QVERIFY2(lines.contains(QStringLiteral("/usr/bin/python3.11")), qPrintable(notification.body));
        QVERIFY2(lines.contains(QStringLiteral("Started by bash (pid 4100) in /home/alice/site")), qPrintable(notification.body));
        QVERIFY2(portwatch::traytext::listenerLine(watched.listener)
                     .startsWith(QStringLiteral("tcp/8000 HTTP dev server \u2014 python3 -m http.server 8000 (pid 4242")),
                 qPrintable(portwatch::traytext::listenerLine(watched.listener)));
    }

    void nothingToEnd()
    {
        const auto notification = alerttext::killOutcome(ncOn8080(), {});
        QCOMPARE(notification.title, QStringLiteral("Nothing to end on tcp/8080"));
    }

    // Every click a notification offers leads somewhere: an alert to its details, a summary to the
    // history; an outcome has nothing more to show, so it offers no click. Each carries an icon.
    void onlyClicksThatLeadSomewhereAreOffered()
    {
        const auto alert = alerttext::alert({ncOn8080()}, 1);
        QCOMPARE(alert.clickLabel, QStringLiteral("Details"));
        QCOMPARE(alert.iconPath, QStringLiteral(":/icons/portwatch-alert.svg"));
        const auto summary = alerttext::summary({ncOn8080(), ncOn8080()});
        QCOMPARE(summary.clickLabel, QStringLiteral("History"));
        for (const TerminateOutcome outcome : {TerminateOutcome::Released, TerminateOutcome::StillHeld,
                                               TerminateOutcome::PermissionDenied, TerminateOutcome::AlreadyGone,
                                               TerminateOutcome::Refused, TerminateOutcome::Failed}) {
            const auto notification = alerttext::killOutcome(ncOn8080(), {result(outcome)});
            QVERIFY2(notification.clickLabel.isEmpty(), qPrintable(notification.title));
            QVERIFY(!notification.offerActions);
            const bool freed = outcome == TerminateOutcome::Released || outcome == TerminateOutcome::AlreadyGone;
            QCOMPARE(notification.iconPath, freed ? QStringLiteral(":/icons/portwatch-clear.svg")
                                                  : QStringLiteral(":/icons/portwatch-alert.svg"));
        }
    }
};

QTEST_GUILESS_MAIN(TestAlertText)
#include "tst_alerttext.moc"

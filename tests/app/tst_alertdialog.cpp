// AlertDialog: names the listener (port, process, pid, user, exe, cmdline, address, start), and its
// buttons emit the intent signals with that listener.
#include "app/alertdialog.h"
#include "dialogtestutil.h"

#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>

using namespace portwatch;
using testutil::control;

namespace {

WatchedListener sample()
{
    return testutil::listener(platform::Protocol::Tcp, 8080,
                              {testutil::process(4242, "python3", "/usr/bin/python3.11", "alice")},
                              Verdict::Unexpected, platform::Family::IPv6);
}

bool sameListener(const WatchedListener &a, const WatchedListener &b)
{
    return a.listener.socket == b.listener.socket && a.listener.owners == b.listener.owners && a.verdict == b.verdict
        && a.firstSeen == b.firstSeen;
}

} // namespace

class TestAlertDialog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void showsDetails()
    {
        AlertDialog dialog(sample(), nullptr);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QCOMPARE(control<QLabel>(&dialog, "portValue")->text(), QStringLiteral("tcp/8080 HTTP alternate"));
        QCOMPARE(control<QLabel>(&dialog, "addressValue")->text(), QStringLiteral("[::]:8080"));
        QCOMPARE(control<QLabel>(&dialog, "processValue")->text(), QStringLiteral("python3"));
        QCOMPARE(control<QLabel>(&dialog, "pidValue")->text(), QStringLiteral("4242"));
        QCOMPARE(control<QLabel>(&dialog, "userValue")->text(), QStringLiteral("alice"));
        QCOMPARE(control<QLabel>(&dialog, "exeValue")->text(), QStringLiteral("/usr/bin/python3.11"));
        QCOMPARE(control<QLabel>(&dialog, "cmdlineValue")->text(), QStringLiteral("/usr/bin/python3.11 --port 8080"));
        const QString started = control<QLabel>(&dialog, "startedValue")->text();
        const QString expectedStart = QDateTime(QDate(2026, 11, 25), QTime(9, 30), Qt::UTC)
                                          .toLocalTime()
                                          .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        QVERIFY2(started.startsWith(expectedStart), qPrintable(started));
        const QString heading = control<QLabel>(&dialog, "headingLabel")->text();
        QVERIFY(heading.contains(QStringLiteral("tcp/8080")) && heading.contains(QStringLiteral("python3")));
        QVERIFY(dialog.windowTitle().contains(QStringLiteral("tcp/8080")));
        // Enter must not kill: Dismiss is the default button.
        QVERIFY(control<QPushButton>(&dialog, "dismissButton")->isDefault());
        // Parent and directory are unknown for this one, and say so.
        QCOMPARE(control<QLabel>(&dialog, "parentValue")->text(), QStringLiteral("unknown"));
        QCOMPARE(control<QLabel>(&dialog, "cwdValue")->text(), QStringLiteral("not readable"));
    }

    // What runs, what started it and where: two "python3" are told apart without their pid.
    void showsWhatTheProcessIs()
    {
        WatchedListener listener = sample();
        platform::ProcessInfo &owner = listener.listener.owners.front();
        owner.cmdline = {"/usr/bin/python3", "-m", "http.server", "8000"};
        owner.ppid = 4100;
        owner.parentName = "bash";
        owner.cwd = "/home/alice/site";
        AlertDialog dialog(listener, nullptr);
        QCOMPARE(control<QLabel>(&dialog, "parentValue")->text(), QStringLiteral("bash (pid 4100)"));
        QCOMPARE(control<QLabel>(&dialog, "cwdValue")->text(), QStringLiteral("/home/alice/site"));
        const QString heading = control<QLabel>(&dialog, "headingLabel")->text();
        QVERIFY2(heading.contains(QStringLiteral("python3 -m http.server 8000")), qPrintable(heading));
    }

    void processTextIsNeverRichText()
    {
        // A process chooses its own name and arguments; markup in them must show as the characters it is.
        auto evil = testutil::process(4243, "<b>sshd</b>", "/tmp/<i>x</i>", "<u>root</u>");
        evil.cmdline = {"/tmp/x", "<img src=\"file:///etc/passwd\">"};
        AlertDialog dialog(testutil::listener(platform::Protocol::Tcp, 2222, {evil}), nullptr);
        for (const char *name : {"processValue", "userValue", "exeValue", "cmdlineValue"})
            QCOMPARE(control<QLabel>(&dialog, name)->textFormat(), Qt::PlainText);
        QCOMPARE(control<QLabel>(&dialog, "processValue")->text(), QStringLiteral("<b>sshd</b>"));
        QCOMPARE(control<QLabel>(&dialog, "cmdlineValue")->text(),
                 QStringLiteral("/tmp/x '<img src=\"file:///etc/passwd\">'"));
        const QString heading = control<QLabel>(&dialog, "headingLabel")->text();
        // The heading names the process by what it runs, escaped: markup in it shows as characters.
        QVERIFY2(heading.contains(QStringLiteral("&lt;img src=")) && !heading.contains(QStringLiteral("<img")),
                 qPrintable(heading));
    }

    void killEmitsListener()
    {
        AlertDialog dialog(sample(), nullptr);
        QSignalSpy kill(&dialog, &AlertDialog::killRequested);
        QSignalSpy whitelist(&dialog, &AlertDialog::whitelistRequested);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QTest::mouseClick(control<QPushButton>(&dialog, "killButton"), Qt::LeftButton);
        QCOMPARE(kill.count(), 1);
        QCOMPARE(whitelist.count(), 0);
        QVERIFY(sameListener(kill.at(0).at(0).value<WatchedListener>(), sample()));
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        QVERIFY(!dialog.isVisible());
    }

    void whitelistEmitsListener()
    {
        AlertDialog dialog(sample(), nullptr);
        QSignalSpy kill(&dialog, &AlertDialog::killRequested);
        QSignalSpy whitelist(&dialog, &AlertDialog::whitelistRequested);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QTest::mouseClick(control<QPushButton>(&dialog, "whitelistButton"), Qt::LeftButton);
        QCOMPARE(whitelist.count(), 1);
        QCOMPARE(kill.count(), 0);
        QVERIFY(sameListener(whitelist.at(0).at(0).value<WatchedListener>(), sample()));
    }

    void dismissEmitsNothing()
    {
        AlertDialog dialog(sample(), nullptr);
        QSignalSpy kill(&dialog, &AlertDialog::killRequested);
        QSignalSpy whitelist(&dialog, &AlertDialog::whitelistRequested);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QTest::keyClick(&dialog, Qt::Key_Return); // the default button
        QCOMPARE(dialog.result(), int(QDialog::Rejected));
        QVERIFY(!dialog.isVisible());
        QCOMPARE(kill.count() + whitelist.count(), 0);
    }

    void hiddenOwnerCanBeWhitelistedAndSaysHowToSeeIt()
    {
        // The socket's uid is known (www-data), its process is not.
        const WatchedListener hidden = testutil::listener(platform::Protocol::Tcp, 8888, {}, Verdict::Unexpected);
        AlertDialog dialog(hidden, nullptr);
        QSignalSpy whitelist(&dialog, &AlertDialog::whitelistRequested);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QVERIFY(!control<QPushButton>(&dialog, "killButton")->isEnabled());
        QVERIFY(control<QPushButton>(&dialog, "killButton")->toolTip().contains(QStringLiteral("sudo portwatch-cli kill tcp/8888")));
        QVERIFY(control<QLabel>(&dialog, "processValue")->text().contains(QStringLiteral("www-data")));
        const QString heading = control<QLabel>(&dialog, "headingLabel")->text();
        QVERIFY2(heading.contains(QStringLiteral("user <b>www-data</b>")), qPrintable(heading));
        const QLabel *hint = control<QLabel>(&dialog, "hintLabel");
        QVERIFY(hint->isVisible());
        QVERIFY2(hint->text().contains(QStringLiteral("sudo portwatch-cli who tcp/8888"))
                     && hint->text().contains(QStringLiteral("sudo portwatch-cli kill tcp/8888")),
                 qPrintable(hint->text()));
        QPushButton *button = control<QPushButton>(&dialog, "whitelistButton");
        QVERIFY(button->isEnabled());
        QVERIFY(button->toolTip().contains(QStringLiteral("user www-data on tcp/8888")));
        QTest::mouseClick(button, Qt::LeftButton);
        QCOMPARE(whitelist.count(), 1);
        QVERIFY(sameListener(whitelist.at(0).at(0).value<WatchedListener>(), hidden));
    }

    void visibleOwnerHasNoHint()
    {
        AlertDialog dialog(sample(), nullptr);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QVERIFY(!control<QLabel>(&dialog, "hintLabel")->isVisible());
    }

    void saysOnWhichPortsTheProgramIsWhitelisted()
    {
        AlertDialog dialog(sample(), nullptr);
        const auto heading = [&] { return control<QLabel>(&dialog, "headingLabel")->text(); };
        QVERIFY(heading().contains(QStringLiteral("not on the whitelist")));

        WhitelistRule elsewhere;
        elsewhere.exe = QStringLiteral("/usr/bin/python3.11");
        elsewhere.ports = *PortSpec::parse(u"tcp/8000, tcp/9000");
        WhitelistRule otherUser = elsewhere;
        otherUser.user = QStringLiteral("bob");
        otherUser.ports = *PortSpec::parse(u"tcp/7000");
        dialog.setWhitelist({elsewhere, otherUser});
        QVERIFY2(heading().contains(QStringLiteral("whitelisted only on tcp/8000, tcp/9000, not on tcp/8080")),
                 qPrintable(heading()));
        QVERIFY2(!heading().contains(QStringLiteral("7000")), qPrintable(heading()));
    }

    void sharedSocketListsAllPids()
    {
        AlertDialog dialog(testutil::listener(platform::Protocol::Tcp, 8080,
                                              {testutil::process(10, "server", "/opt/server"),
                                               testutil::process(11, "server", "/opt/server")}),
                           nullptr);
        QVERIFY(control<QLabel>(&dialog, "pidValue")->text().startsWith(QStringLiteral("10, 11")));
    }
};

QTEST_MAIN(TestAlertDialog)
#include "tst_alertdialog.moc"

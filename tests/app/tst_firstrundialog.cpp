// FirstRunDialog: one checked row per listener, the rules for the checked ones (made as a Whitelist
// click makes them), the unchecked ones left to alert, and the buttons.
#include "app/firstrundialog.h"
#include "dialogtestutil.h"

#include "core/rulemaker.h"

#include <QLabel>
#include <QPushButton>
#include <QTableWidget>
#include <QTest>

using namespace portwatch;
using platform::Family;
using platform::Protocol;
using testutil::control;

namespace {

WhitelistRule makeRule(const QString &exe, const QString &ports, const QString &user)
{
    WhitelistRule rule;
    rule.exe = exe;
    rule.user = user;
    rule.ports = *PortSpec::parse(ports);
    return rule;
}

QList<WatchedListener> sample()
{
    const auto nginxMaster = testutil::process(100, "nginx", "/usr/sbin/nginx", "root", 0);
    const auto nginxWorker = testutil::process(101, "nginx", "/usr/sbin/nginx", "www-data", 33);
    return {
        // nginx on v4 and v6, master and worker sharing each socket: one rule.
        testutil::listener(Protocol::Tcp, 80, {nginxMaster, nginxWorker}, Verdict::Unexpected, Family::IPv4),
        testutil::listener(Protocol::Tcp, 80, {nginxMaster, nginxWorker}, Verdict::Unexpected, Family::IPv6),
        testutil::listener(Protocol::Tcp, 443, {nginxMaster}),
        testutil::listener(Protocol::Udp, 5353, {testutil::process(200, "avahi", "/usr/sbin/avahi-daemon", "avahi")}),
        // A hidden owner, and an unreadable executable: trusted by user and port.
        testutil::listener(Protocol::Tcp, 8080, {}, Verdict::Unexpected),
        testutil::listener(Protocol::Tcp, 8081, {testutil::process(300, "secret", "")}),
    };
}

} // namespace

class TestFirstRunDialog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void oneCheckedRowPerListener()
    {
        FirstRunDialog dialog(sample(), nullptr);
        auto *table = control<QTableWidget>(&dialog, "listenerTable");
        QCOMPARE(table->rowCount(), 6);
        QCOMPARE(table->item(0, 0)->text(), QStringLiteral("0.0.0.0:80 (tcp/80)"));
        QCOMPARE(table->item(0, 2)->text(), QStringLiteral("100, 101"));
        QCOMPARE(table->item(0, 4)->text(), QStringLiteral("/usr/sbin/nginx"));
        QCOMPARE(table->item(4, 1)->text(), QStringLiteral("hidden (another user's process)"));
        QVERIFY(table->item(4, 0)->toolTip().contains(QStringLiteral("sudo portwatch-cli who tcp/8080")));
        for (int row = 0; row < table->rowCount(); ++row)
            QCOMPARE(table->item(row, 0)->checkState(), Qt::Checked);
        QCOMPARE(dialog.checked().size(), 6);
        QVERIFY(dialog.unchecked().isEmpty());
        QCOMPARE(control<QPushButton>(&dialog, "continueButton")->text(), QStringLiteral("&Trust All"));
    }

    void processTextIsNeverRichText()
    {
        // A process chooses its own arguments; markup in them must show as the characters it is.
        auto evil = testutil::process(400, "evil", "/tmp/evil");
        evil.cmdline = {"/tmp/evil", "<img src=\"file:///etc/passwd\"><b>trusted</b>"};
        FirstRunDialog dialog({testutil::listener(Protocol::Tcp, 9000, {evil})}, nullptr);
        auto *table = control<QTableWidget>(&dialog, "listenerTable");
        const QString tip = table->item(0, 0)->toolTip();
        // (The space in the argument may come out as a no-break space.)
        QVERIFY2(tip.contains(QStringLiteral("&lt;img")) && tip.contains(QStringLiteral("&gt;&lt;b&gt;trusted&lt;/b&gt;")),
                 qPrintable(tip));
        QVERIFY2(!tip.contains(QStringLiteral("<img")) && !tip.contains(QStringLiteral("<b>")), qPrintable(tip));
    }

    void rulesAreTheWhitelistButtonsRules()
    {
        FirstRunDialog dialog(sample(), nullptr);
        Config config;
        const QList<WhitelistRule> rules = dialog.rules(config);
        // The same rules a Whitelist click makes: program, user and port; the hidden owner by user
        // and port; the unreadable executable by user and port. The IPv6 twin adds nothing.
        QList<WhitelistRule> expected;
        for (const WatchedListener &listener : sample()) {
            for (const WhitelistRule &rule : rulemaker::forListener(listener.listener, Whitelist(expected), {})) {
                if (!expected.contains(rule))
                    expected.append(rule);
            }
        }
        QCOMPARE(rules, expected);
        QVERIFY(rules.contains(makeRule(QStringLiteral("/usr/sbin/nginx"), QStringLiteral("tcp/80"), QStringLiteral("root"))));
        QVERIFY(rules.contains(makeRule(QStringLiteral("/usr/sbin/nginx"), QStringLiteral("tcp/80"), QStringLiteral("www-data"))));
        WhitelistRule hidden;
        hidden.user = QStringLiteral("www-data");
        hidden.ports = *PortSpec::parse(u"tcp/8080");
        QVERIFY(rules.contains(hidden));
        for (const WatchedListener &listener : sample())
            QCOMPARE(Whitelist(rules).judge(listener.listener), Verdict::Expected);
        // What the config allows already is not added again.
        config.whitelist = {rules.front()};
        QVERIFY(!dialog.rules(config).contains(rules.front()));
    }

    void uncheckedOnesAreLeftToAlert()
    {
        FirstRunDialog dialog(sample(), nullptr);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        auto *table = control<QTableWidget>(&dialog, "listenerTable");
        table->item(3, 0)->setCheckState(Qt::Unchecked); // avahi
        QCOMPARE(dialog.unchecked().size(), 1);
        QCOMPARE(dialog.unchecked().front().listener.socket.port, quint16(5353));
        QCOMPARE(dialog.checked().size(), 5);
        for (const WhitelistRule &rule : dialog.rules(Config{}))
            QVERIFY(rule.exe != QStringLiteral("/usr/sbin/avahi-daemon"));
        QCOMPARE(control<QPushButton>(&dialog, "continueButton")->text(), QStringLiteral("&Trust 5, Alert About 1"));

        QTest::mouseClick(control<QPushButton>(&dialog, "checkNoneButton"), Qt::LeftButton);
        QVERIFY(dialog.checked().isEmpty());
        QVERIFY(dialog.rules(Config{}).isEmpty());
        QCOMPARE(control<QPushButton>(&dialog, "continueButton")->text(), QStringLiteral("&Alert Me About All"));
        QTest::mouseClick(control<QPushButton>(&dialog, "checkAllButton"), Qt::LeftButton);
        QCOMPARE(dialog.checked().size(), 6);

        QTest::mouseClick(control<QPushButton>(&dialog, "continueButton"), Qt::LeftButton);
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        QVERIFY(!dialog.isVisible());
    }

    void noPromiseOfAReviewItCannotKeep()
    {
        FirstRunDialog dialog(sample(), nullptr);
        QVERIFY(dialog.findChild<QPushButton *>(QStringLiteral("reviewButton")) == nullptr);
        const QString intro = control<QLabel>(&dialog, "introLabel")->text();
        QVERIFY2(intro.contains(QStringLiteral("alerts you about the ones you leave unchecked")), qPrintable(intro));
    }
};

QTEST_MAIN(TestFirstRunDialog)
#include "tst_firstrundialog.moc"

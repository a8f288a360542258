// FirstRunDialog: one rule per (executable, port spec), and the two buttons.
#include "app/firstrundialog.h"
#include "dialogtestutil.h"

#include <QPushButton>
#include <QTableWidget>
#include <QTest>

using namespace portwatch;
using platform::Family;
using platform::Protocol;
using testutil::control;

namespace {

WhitelistRule makeRule(const QString &exe, const QString &ports)
{
    WhitelistRule rule;
    rule.exe = exe;
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
        // No visible owner, and an unreadable executable: no rule for either.
        testutil::listener(Protocol::Tcp, 8080, {}, Verdict::Unknown),
        testutil::listener(Protocol::Tcp, 8081, {testutil::process(300, "secret", "")}),
    };
}

} // namespace

class TestFirstRunDialog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rulesPerExecutableAndPort()
    {
        const QList<WhitelistRule> rules = FirstRunDialog::rulesFor(sample());
        QCOMPARE(rules, (QList<WhitelistRule>{makeRule(QStringLiteral("/usr/sbin/nginx"), QStringLiteral("tcp/80")),
                                              makeRule(QStringLiteral("/usr/sbin/nginx"), QStringLiteral("tcp/443")),
                                              makeRule(QStringLiteral("/usr/sbin/avahi-daemon"), QStringLiteral("udp/5353"))}));
        for (const WhitelistRule &rule : rules)
            QVERIFY(rule.user.isEmpty());
        QVERIFY(FirstRunDialog::rulesFor({}).isEmpty());
    }

    void listsEveryOwner()
    {
        FirstRunDialog dialog(sample(), nullptr);
        auto *table = control<QTableWidget>(&dialog, "listenerTable");
        // 2 + 2 + 1 + 1 owners, one row for the invisible owner, one for the unreadable one.
        QCOMPARE(table->rowCount(), 8);
        QCOMPARE(table->item(0, 0)->text(), QStringLiteral("tcp/80"));
        QCOMPARE(table->item(0, 4)->text(), QStringLiteral("/usr/sbin/nginx"));
        QCOMPARE(dialog.rules().size(), 3);
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

    void trustAll()
    {
        FirstRunDialog dialog(sample(), nullptr);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QVERIFY(!dialog.trustAll());
        QTest::mouseClick(control<QPushButton>(&dialog, "trustAllButton"), Qt::LeftButton);
        QVERIFY(dialog.trustAll());
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        QVERIFY(!dialog.isVisible());
    }

    void review()
    {
        FirstRunDialog dialog(sample(), nullptr);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QTest::mouseClick(control<QPushButton>(&dialog, "reviewButton"), Qt::LeftButton);
        QVERIFY(!dialog.trustAll());
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        QVERIFY(!dialog.isVisible());
    }

    void nothingToTrust()
    {
        FirstRunDialog dialog({testutil::listener(Protocol::Tcp, 8080, {}, Verdict::Unknown)}, nullptr);
        QVERIFY(!control<QPushButton>(&dialog, "trustAllButton")->isEnabled());
    }
};

QTEST_MAIN(TestFirstRunDialog)
#include "tst_firstrundialog.moc"

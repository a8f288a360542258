// The settings dialog's whitelist page through its real controls: add and edit with the rule editor
// (absolute executable, optional user and ports, validated), remove, duplicates refused, and
// "From running process…" turning a listener into a rule.
#include "app/processpickerdialog.h"
#include "app/ruleeditordialog.h"
#include "app/settingsdialog.h"
#include "core/rulemaker.h"
#include "dialogtestutil.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QFile>
#include <QFileInfo>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace portwatch;
using testutil::control;

namespace {

WhitelistRule makeRule(const QString &exe, const QString &user = {}, const QString &ports = {})
{
    WhitelistRule rule;
    rule.exe = exe;
    rule.user = user;
    if (!ports.isEmpty())
        rule.ports = *PortSpec::parse(ports);
    return rule;
}

Config sampleConfig()
{
    Config config;
    config.watched = {*PortSpec::parse(u"80"), *PortSpec::parse(u"8000-8100")};
    config.whitelist = {makeRule(QStringLiteral("/usr/sbin/nginx"), QStringLiteral("www-data"), QStringLiteral("tcp/80"))};
    return config;
}

void click(QAbstractButton *button)
{
    QTest::mouseClick(button, Qt::LeftButton);
}

QPushButton *okButton(QWidget *dialog)
{
    return control<QDialogButtonBox>(dialog, "buttonBox")->button(QDialogButtonBox::Ok);
}

QStringList row(QTableWidget *table, int r)
{
    QStringList cells;
    for (int c = 0; c < table->columnCount(); ++c)
        cells << table->item(r, c)->text();
    return cells;
}

} // namespace

class TestWhitelistPage : public QObject
{
    Q_OBJECT

private:
    std::unique_ptr<SettingsDialog> m_dialog;
    QTableWidget *m_table = nullptr;

private Q_SLOTS:
    void init()
    {
        m_dialog = std::make_unique<SettingsDialog>(sampleConfig(), nullptr);
        m_dialog->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_dialog.get()));
        m_dialog->showPage(SettingsDialog::Page::Whitelist);
        m_table = control<QTableWidget>(m_dialog.get(), "ruleTable");
        QCOMPARE(m_table->rowCount(), 1);
    }

    void cleanup()
    {
        m_dialog.reset();
    }

    void shownAsTable()
    {
        QCOMPARE(row(m_table, 0),
                 (QStringList{QStringLiteral("/usr/sbin/nginx"), QStringLiteral("www-data"), QStringLiteral("tcp/80")}));
        QVERIFY(!control<QPushButton>(m_dialog.get(), "editRuleButton")->isEnabled()); // nothing selected
    }

    void addWithEditor()
    {
        click(control<QPushButton>(m_dialog.get(), "addRuleButton"));
        auto *editor = testutil::waitForChild<RuleEditorDialog>(m_dialog.get());
        QVERIFY(editor);
        auto *exe = control<QLineEdit>(editor, "exeEdit");
        auto *ports = control<QLineEdit>(editor, "portsEdit");
        auto *message = control<QLabel>(editor, "messageLabel");
        QVERIFY(!okButton(editor)->isEnabled());

        QTest::keyClicks(exe, QStringLiteral("python3"));
        QVERIFY2(message->text().contains(QStringLiteral("absolute")), qPrintable(message->text()));
        QVERIFY(!okButton(editor)->isEnabled());
        testutil::retype(exe, QStringLiteral("/usr/bin/python3"));
        QTest::keyClicks(ports, QStringLiteral("tcp/8o00"));
        QVERIFY2(message->text().contains(QStringLiteral("8o00")), qPrintable(message->text()));
        QVERIFY(!okButton(editor)->isEnabled());
        testutil::retype(ports, QStringLiteral("tcp/8000-8100"));
        QVERIFY(okButton(editor)->isEnabled());
        click(okButton(editor));

        QTRY_COMPARE(m_table->rowCount(), 2);
        QCOMPARE(row(m_table, 1), (QStringList{QStringLiteral("/usr/bin/python3"), QStringLiteral("any user"),
                                               QStringLiteral("tcp/8000-8100")}));
        QCOMPARE(m_dialog->config().whitelist.last(),
                 makeRule(QStringLiteral("/usr/bin/python3"), {}, QStringLiteral("tcp/8000-8100")));
        // The editor may still exist (deleted later), so take the settings dialog's own button box.
        auto *buttons = m_dialog->findChild<QDialogButtonBox *>(QStringLiteral("buttonBox"), Qt::FindDirectChildrenOnly);
        QVERIFY(buttons && buttons->button(QDialogButtonBox::Apply)->isEnabled());
    }

    void editorShowsWhatASymlinkResolvesTo()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString real = dir.filePath(QStringLiteral("python3.11"));
        const QString link = dir.filePath(QStringLiteral("python3"));
        QFile file(real);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();
        QVERIFY(QFile::link(real, link));

        click(control<QPushButton>(m_dialog.get(), "addRuleButton"));
        auto *editor = testutil::waitForChild<RuleEditorDialog>(m_dialog.get());
        QVERIFY(editor);
        auto *resolved = control<QLabel>(editor, "resolvedLabel");
        QTest::keyClicks(control<QLineEdit>(editor, "exeEdit"), link);
        QVERIFY(resolved->isVisible());
        QVERIFY2(resolved->text().contains(QFileInfo(real).canonicalFilePath()), qPrintable(resolved->text()));
        testutil::retype(control<QLineEdit>(editor, "exeEdit"), real);
        QVERIFY(!resolved->isVisible());
        testutil::retype(control<QLineEdit>(editor, "exeEdit"), link);
        click(okButton(editor));
        // The rule keeps what the user typed.
        QTRY_COMPARE(m_table->rowCount(), 2);
        QCOMPARE(m_dialog->config().whitelist.last().exe, link);
    }

    void editorMakesUserAndPortRules()
    {
        click(control<QPushButton>(m_dialog.get(), "addRuleButton"));
        auto *editor = testutil::waitForChild<RuleEditorDialog>(m_dialog.get());
        QVERIFY(editor);
        auto *message = control<QLabel>(editor, "messageLabel");
        QTest::keyClicks(control<QLineEdit>(editor, "userEdit"), QStringLiteral("postgres"));
        QVERIFY(!okButton(editor)->isEnabled()); // no program and no ports: would trust too much
        QVERIFY2(message->text().contains(QStringLiteral("both a user and ports")), qPrintable(message->text()));
        QTest::keyClicks(control<QLineEdit>(editor, "portsEdit"), QStringLiteral("tcp/5432"));
        QVERIFY(okButton(editor)->isEnabled());
        QTest::keyClicks(control<QLineEdit>(editor, "argsEdit"), QStringLiteral("-D *"));
        QVERIFY(!okButton(editor)->isEnabled()); // arguments of which program?
        testutil::retype(control<QLineEdit>(editor, "argsEdit"), QString());
        click(okButton(editor));
        QTRY_COMPARE(m_table->rowCount(), 2);
        WhitelistRule expected;
        expected.user = QStringLiteral("postgres");
        expected.ports = *PortSpec::parse(u"tcp/5432");
        QCOMPARE(m_dialog->config().whitelist.last(), expected);
    }

    void editorKeepsArguments()
    {
        WhitelistRule server = makeRule(QStringLiteral("/usr/bin/python3.11"), QStringLiteral("alice"),
                                        QStringLiteral("tcp/8000"));
        server.args = QStringLiteral("-m http.server *");
        WhitelistRule bare = server;
        bare.args = QString(); // set and empty: no arguments at all
        bare.ports = *PortSpec::parse(u"tcp/8001");
        Config config = sampleConfig();
        config.whitelist = {server, bare};
        m_dialog = std::make_unique<SettingsDialog>(config, nullptr);
        m_dialog->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_dialog.get()));
        m_dialog->showPage(SettingsDialog::Page::Whitelist);
        m_table = control<QTableWidget>(m_dialog.get(), "ruleTable");
        QCOMPARE(m_table->item(0, 0)->text(), QStringLiteral("/usr/bin/python3.11 -m http.server *"));

        for (int rowIndex : {0, 1}) {
            testutil::clickCell(m_table, rowIndex);
            click(control<QPushButton>(m_dialog.get(), "editRuleButton"));
            auto *editor = testutil::waitForChild<RuleEditorDialog>(m_dialog.get());
            QVERIFY(editor);
            testutil::retype(control<QLineEdit>(editor, "userEdit"), QStringLiteral("bob"));
            click(okButton(editor));
            QTRY_COMPARE(m_dialog->config().whitelist.at(rowIndex).user, QStringLiteral("bob"));
            QTRY_VERIFY(!m_dialog->findChild<RuleEditorDialog *>());
        }
        QCOMPARE(m_dialog->config().whitelist.at(0).args, std::optional<QString>(QStringLiteral("-m http.server *")));
        QCOMPARE(m_dialog->config().whitelist.at(1).args, std::optional<QString>(QString()));
    }

    void editSelected()
    {
        testutil::clickCell(m_table, 0);
        click(control<QPushButton>(m_dialog.get(), "editRuleButton"));
        auto *editor = testutil::waitForChild<RuleEditorDialog>(m_dialog.get());
        QVERIFY(editor);
        QCOMPARE(control<QLineEdit>(editor, "exeEdit")->text(), QStringLiteral("/usr/sbin/nginx"));
        QCOMPARE(control<QLineEdit>(editor, "userEdit")->text(), QStringLiteral("www-data"));
        testutil::retype(control<QLineEdit>(editor, "userEdit"), QString());
        testutil::retype(control<QLineEdit>(editor, "portsEdit"), QStringLiteral("tcp/80, tcp/443"));
        click(okButton(editor));
        QTRY_COMPARE(m_table->item(0, 2)->text(), QStringLiteral("tcp/80, tcp/443"));
        QCOMPARE(m_table->rowCount(), 1);
        QCOMPARE(m_dialog->config().whitelist,
                 QList<WhitelistRule>{makeRule(QStringLiteral("/usr/sbin/nginx"), {}, QStringLiteral("tcp/80, tcp/443"))});
    }

    void cancelEditorChangesNothing()
    {
        testutil::clickCell(m_table, 0);
        click(control<QPushButton>(m_dialog.get(), "editRuleButton"));
        auto *editor = testutil::waitForChild<RuleEditorDialog>(m_dialog.get());
        QVERIFY(editor);
        testutil::retype(control<QLineEdit>(editor, "exeEdit"), QStringLiteral("/usr/bin/other"));
        click(control<QDialogButtonBox>(editor, "buttonBox")->button(QDialogButtonBox::Cancel));
        QTRY_VERIFY(!m_dialog->findChild<RuleEditorDialog *>());
        QCOMPARE(m_dialog->config().whitelist, sampleConfig().whitelist);
    }

    void removeSelected()
    {
        testutil::clickCell(m_table, 0);
        click(control<QPushButton>(m_dialog.get(), "removeRuleButton"));
        QCOMPARE(m_table->rowCount(), 0);
        QVERIFY(m_dialog->config().whitelist.isEmpty());
        QVERIFY(!control<QPushButton>(m_dialog.get(), "removeRuleButton")->isEnabled());
    }

    void duplicateRefused()
    {
        click(control<QPushButton>(m_dialog.get(), "addRuleButton"));
        auto *editor = testutil::waitForChild<RuleEditorDialog>(m_dialog.get());
        QVERIFY(editor);
        QTest::keyClicks(control<QLineEdit>(editor, "exeEdit"), QStringLiteral("/usr/sbin/nginx"));
        QTest::keyClicks(control<QLineEdit>(editor, "userEdit"), QStringLiteral("www-data"));
        QTest::keyClicks(control<QLineEdit>(editor, "portsEdit"), QStringLiteral("tcp/80"));
        click(okButton(editor));
        auto *message = control<QLabel>(m_dialog.get(), "ruleMessageLabel");
        QTRY_VERIFY(message->text().contains(QStringLiteral("already on the whitelist")));
        QCOMPARE(m_table->rowCount(), 1);
    }

    void addFromRunningProcess()
    {
        using platform::Protocol;
        m_dialog->setRunningListeners({
            testutil::listener(Protocol::Tcp, 8080, {testutil::process(4242, "python3", "/usr/bin/python3.11", "alice")}),
            // An owner whose executable cannot be read is trusted by its user and port.
            testutil::listener(Protocol::Udp, 8053, {testutil::process(4343, "dnsd", "", "bob")}),
        });
        click(control<QPushButton>(m_dialog.get(), "addFromProcessButton"));
        auto *picker = testutil::waitForChild<ProcessPickerDialog>(m_dialog.get());
        QVERIFY(picker);
        auto *listeners = control<QTableWidget>(picker, "listenerTable");
        QCOMPARE(listeners->rowCount(), 2);
        QCOMPARE(row(listeners, 0), (QStringList{QStringLiteral("tcp/8080"), QStringLiteral("python3"),
                                                 QStringLiteral("4242"), QStringLiteral("alice"),
                                                 QStringLiteral("/usr/bin/python3.11")}));
        QVERIFY(!okButton(picker)->isEnabled());
        testutil::clickCell(listeners, 1);
        QVERIFY(okButton(picker)->isEnabled());
        QVERIFY(!control<QCheckBox>(picker, "limitUserCheck")->isEnabled()); // needed without a program
        QCOMPARE(control<QLabel>(picker, "ruleLabel")->text(), QStringLiteral("Rule: any program as bob on udp/8053"));
        testutil::clickCell(listeners, 0);
        QVERIFY(okButton(picker)->isEnabled());
        QVERIFY(control<QCheckBox>(picker, "limitUserCheck")->text().contains(QStringLiteral("alice")));
        click(okButton(picker));

        QTRY_COMPARE(m_table->rowCount(), 2);
        // The rule a notification's Whitelist makes for the same process: program, script, user, port.
        WhitelistRule expected = makeRule(QStringLiteral("/usr/bin/python3.11"), QStringLiteral("alice"),
                                          QStringLiteral("tcp/8080"));
        expected.args = QStringLiteral("--port 8080 *");
        QCOMPARE(m_dialog->config().whitelist.last(), expected);
        const WatchedListener python = testutil::listener(
            Protocol::Tcp, 8080, {testutil::process(4242, "python3", "/usr/bin/python3.11", "alice")});
        QCOMPARE(m_dialog->config().whitelist.last(), rulemaker::forListener(python.listener, Whitelist{}, {}).front());
    }

    void addFromRunningProcessHiddenOwner()
    {
        m_dialog->setRunningListeners({testutil::listener(platform::Protocol::Tcp, 5432, {}, Verdict::Unexpected)});
        click(control<QPushButton>(m_dialog.get(), "addFromProcessButton"));
        auto *picker = testutil::waitForChild<ProcessPickerDialog>(m_dialog.get());
        QVERIFY(picker);
        auto *listeners = control<QTableWidget>(picker, "listenerTable");
        QCOMPARE(listeners->rowCount(), 1);
        QCOMPARE(listeners->item(0, 1)->text(), QStringLiteral("(hidden)"));
        testutil::clickCell(listeners, 0);
        click(okButton(picker));
        QTRY_COMPARE(m_table->rowCount(), 2);
        WhitelistRule expected;
        expected.user = QStringLiteral("www-data");
        expected.ports = *PortSpec::parse(u"tcp/5432");
        QCOMPARE(m_dialog->config().whitelist.last(), expected);
        QCOMPARE(m_table->item(1, 0)->text(), QStringLiteral("any program"));
    }

    void addFromRunningProcessAnyPort()
    {
        m_dialog->setRunningListeners({testutil::listener(platform::Protocol::Udp, 5353,
                                                          {testutil::process(77, "avahi", "/usr/sbin/avahi-daemon",
                                                                             "avahi")})});
        click(control<QPushButton>(m_dialog.get(), "addFromProcessButton"));
        auto *picker = testutil::waitForChild<ProcessPickerDialog>(m_dialog.get());
        QVERIFY(picker);
        testutil::clickCell(control<QTableWidget>(picker, "listenerTable"), 0);
        testutil::toggle(control<QCheckBox>(picker, "limitPortCheck"));
        click(okButton(picker));
        QTRY_COMPARE(m_table->rowCount(), 2);
        QCOMPARE(m_dialog->config().whitelist.last(),
                 makeRule(QStringLiteral("/usr/sbin/avahi-daemon"), QStringLiteral("avahi")));
        QCOMPARE(m_table->item(1, 2)->text(), QStringLiteral("any port"));
    }

    void pickerWithNothingRunning()
    {
        click(control<QPushButton>(m_dialog.get(), "addFromProcessButton"));
        auto *picker = testutil::waitForChild<ProcessPickerDialog>(m_dialog.get());
        QVERIFY(picker);
        QVERIFY(control<QLabel>(picker, "emptyLabel")->isVisible());
        QVERIFY(!okButton(picker)->isEnabled());
        click(control<QDialogButtonBox>(picker, "buttonBox")->button(QDialogButtonBox::Cancel));
        QTRY_VERIFY(!m_dialog->findChild<ProcessPickerDialog *>());
        QCOMPARE(m_table->rowCount(), 1);
    }
};

QTEST_MAIN(TestWhitelistPage)
#include "tst_whitelistpage.moc"

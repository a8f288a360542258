// Settings dialog through its real controls: port spec validation with messages naming the bad part,
// duplicates refused, OK / Apply / Cancel semantics, the round trip to the config file, and the
// notification and general pages (including the start-at-login entry), and changes made outside the
// dialog while it is open (kept on OK, together with the unsaved edits).
#include "app/xdgautostart.h"
#include "app/configmerge.h"
#include "app/settingsdialog.h"
#include "core/config.h"
#include "core/logging.h"
#include "dialogtestutil.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace portwatch;
using testutil::control;
using testutil::retype;

namespace {

Config sampleConfig()
{
    Config config;
    config.watched = {*PortSpec::parse(u"tcp/80"), *PortSpec::parse(u"8000-8100"), *PortSpec::parse(u"udp/53")};
    WhitelistRule nginx;
    nginx.exe = QStringLiteral("/usr/sbin/nginx");
    nginx.user = QStringLiteral("www-data");
    nginx.ports = *PortSpec::parse(u"tcp/80");
    config.whitelist = {nginx};
    config.intervalMs = 2000;
    config.notificationsEnabled = true;
    config.notificationCooldownSec = 30;
    config.logLevel = QStringLiteral("info");
    config.firstRunDone = true;
    return config;
}

WhitelistRule pythonRule()
{
    WhitelistRule rule;
    rule.exe = QStringLiteral("/usr/bin/python3.11");
    rule.ports = *PortSpec::parse(u"tcp/8080");
    return rule;
}

QPushButton *button(SettingsDialog &dialog, QDialogButtonBox::StandardButton which)
{
    return control<QDialogButtonBox>(&dialog, "buttonBox")->button(which);
}

void click(QAbstractButton *b)
{
    QTest::mouseClick(b, Qt::LeftButton);
}

QStringList listedSpecs(SettingsDialog &dialog)
{
    QStringList specs;
    auto *list = control<QListWidget>(&dialog, "specList");
    for (int i = 0; i < list->count(); ++i)
        specs << list->item(i)->text();
    return specs;
}

} // namespace

class TestSettingsDialog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init()
    {
        QFile::remove(autostart::entryPath());
    }

    void badSpecShowsMessageAndDisablesOk_data()
    {
        QTest::addColumn<QString>("typed");
        QTest::addColumn<QString>("badPart");
        QTest::newRow("out of range") << QStringLiteral("99999") << QStringLiteral("99999");
        QTest::newRow("letter in number") << QStringLiteral("8o") << QStringLiteral("8o");
        QTest::newRow("reversed range") << QStringLiteral("10-5") << QStringLiteral("10-5");
        QTest::newRow("unknown protocol") << QStringLiteral("sctp/80") << QStringLiteral("sctp");
        QTest::newRow("bad element in a list") << QStringLiteral("80, 443, 7x") << QStringLiteral("7x");
    }

    void badSpecShowsMessageAndDisablesOk()
    {
        QFETCH(QString, typed);
        QFETCH(QString, badPart);
        SettingsDialog dialog(sampleConfig(), nullptr);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        auto *edit = control<QLineEdit>(&dialog, "specEdit");
        auto *message = control<QLabel>(&dialog, "specMessageLabel");
        QVERIFY(button(dialog, QDialogButtonBox::Ok)->isEnabled());

        QTest::keyClicks(edit, typed);
        QVERIFY2(message->text().contains(badPart), qPrintable(message->text()));
        QVERIFY(message->isVisible());
        QVERIFY(!button(dialog, QDialogButtonBox::Ok)->isEnabled());
        QVERIFY(!button(dialog, QDialogButtonBox::Apply)->isEnabled());
        QVERIFY(!control<QPushButton>(&dialog, "addSpecButton")->isEnabled());

        // Enter neither adds the bad spec nor closes the dialog.
        QTest::keyClick(edit, Qt::Key_Return);
        QCOMPARE(listedSpecs(dialog).size(), 3);
        QVERIFY(dialog.isVisible());

        edit->clear();
        QVERIFY(button(dialog, QDialogButtonBox::Ok)->isEnabled());
        QVERIFY(!message->text().contains(badPart));
    }

    void addWithEnterAndButton()
    {
        SettingsDialog dialog(sampleConfig(), nullptr);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        auto *edit = control<QLineEdit>(&dialog, "specEdit");
        QTest::keyClicks(edit, QStringLiteral("TCP/8443"));
        QTest::keyClick(edit, Qt::Key_Return);
        QVERIFY(dialog.isVisible()); // Enter added the spec; it did not press OK
        QCOMPARE(edit->text(), QString());
        QTest::keyClicks(edit, QStringLiteral("udp/5353"));
        click(control<QPushButton>(&dialog, "addSpecButton"));
        QCOMPARE(listedSpecs(dialog),
                 (QStringList{QStringLiteral("tcp/80"), QStringLiteral("tcp/8000-8100, udp/8000-8100"), QStringLiteral("udp/53"),
                              QStringLiteral("tcp/8443"), QStringLiteral("udp/5353")}));
        QVERIFY(button(dialog, QDialogButtonBox::Apply)->isEnabled());
    }

    void duplicateRefused()
    {
        SettingsDialog dialog(sampleConfig(), nullptr);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        auto *edit = control<QLineEdit>(&dialog, "specEdit");
        auto *message = control<QLabel>(&dialog, "specMessageLabel");
        // Written differently, but the same spec as "tcp/80".
        QTest::keyClicks(edit, QStringLiteral("tcp/80,tcp/80"));
        QVERIFY2(message->text().contains(QStringLiteral("already watched")), qPrintable(message->text()));
        QVERIFY(!control<QPushButton>(&dialog, "addSpecButton")->isEnabled());
        QTest::keyClick(edit, Qt::Key_Return);
        QCOMPARE(listedSpecs(dialog).size(), 3);
        QVERIFY2(message->text().contains(QStringLiteral("tcp/80 is already watched")), qPrintable(message->text()));
        // Pending duplicate text is harmless: OK stays available.
        QVERIFY(button(dialog, QDialogButtonBox::Ok)->isEnabled());
        QVERIFY(!dialog.hasChanges());
    }

    // A port inside a watched range is watched already: saying so instead of adding it twice.
    void specInsideAWatchedRangeIsAlreadyWatched()
    {
        SettingsDialog dialog(sampleConfig(), nullptr);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        auto *edit = control<QLineEdit>(&dialog, "specEdit");
        auto *message = control<QLabel>(&dialog, "specMessageLabel");
        QTest::keyClicks(edit, QStringLiteral("tcp/8050"));
        QVERIFY2(message->text().contains(QStringLiteral("tcp/8050 is already watched (by tcp/8000-8100, udp/8000-8100)")),
                 qPrintable(message->text()));
        QVERIFY(!control<QPushButton>(&dialog, "addSpecButton")->isEnabled());
        QTest::keyClick(edit, Qt::Key_Return);
        QCOMPARE(listedSpecs(dialog).size(), 3);
        // Half inside, half outside: new ports, so it can be added.
        retype(edit, QStringLiteral("tcp/8090-8200"));
        QVERIFY(control<QPushButton>(&dialog, "addSpecButton")->isEnabled());
        // Spread over two entries, still all watched.
        retype(edit, QStringLiteral("tcp/80,udp/8000"));
        QVERIFY(!control<QPushButton>(&dialog, "addSpecButton")->isEnabled());
        // Ranges show with their protocol, like every other spec.
        QCOMPARE(listedSpecs(dialog).at(1), QStringLiteral("tcp/8000-8100, udp/8000-8100"));
    }

    void replaceAndRemove()
    {
        SettingsDialog dialog(sampleConfig(), nullptr);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        auto *list = control<QListWidget>(&dialog, "specList");
        auto *edit = control<QLineEdit>(&dialog, "specEdit");
        testutil::clickCell(list, 1);
        QCOMPARE(edit->text(), QStringLiteral("8000-8100"));
        QVERIFY(!control<QPushButton>(&dialog, "replaceSpecButton")->isEnabled()); // nothing changed yet
        retype(edit, QStringLiteral("tcp/8000-8200"));
        click(control<QPushButton>(&dialog, "replaceSpecButton"));
        // Replacing with a spec that another entry has is refused.
        testutil::clickCell(list, 2);
        retype(edit, QStringLiteral("tcp/80"));
        QVERIFY(!control<QPushButton>(&dialog, "replaceSpecButton")->isEnabled());
        QCOMPARE(listedSpecs(dialog),
                 (QStringList{QStringLiteral("tcp/80"), QStringLiteral("tcp/8000-8200"), QStringLiteral("udp/53")}));

        testutil::clickCell(list, 0);
        click(control<QPushButton>(&dialog, "removeSpecButton"));
        QCOMPARE(listedSpecs(dialog), (QStringList{QStringLiteral("tcp/8000-8200"), QStringLiteral("udp/53")}));
        QCOMPARE(dialog.config().watched,
                 (QList<PortSpec>{*PortSpec::parse(u"tcp/8000-8200"), *PortSpec::parse(u"udp/53")}));
    }

    void okEmitsEditedConfig()
    {
        const Config original = sampleConfig();
        SettingsDialog dialog(original, nullptr);
        QSignalSpy applied(&dialog, &SettingsDialog::applied);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QTest::keyClicks(control<QLineEdit>(&dialog, "specEdit"), QStringLiteral("9090"));
        QTest::keyClick(control<QLineEdit>(&dialog, "specEdit"), Qt::Key_Return);
        click(button(dialog, QDialogButtonBox::Ok));

        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        QCOMPARE(applied.count(), 1);
        Config expected = original;
        expected.watched.append(*PortSpec::parse(u"9090"));
        QCOMPARE(applied.at(0).at(0).value<Config>(), expected);
    }

    void externalChangeShownWhileUnedited()
    {
        SettingsDialog dialog(sampleConfig(), nullptr);
        QSignalSpy applied(&dialog, &SettingsDialog::applied);
        Config elsewhere = sampleConfig();
        elsewhere.whitelist.append(pythonRule());
        dialog.followExternalChange(elsewhere);
        QCOMPARE(dialog.config(), elsewhere);
        QVERIFY(!dialog.hasChanges());
        QVERIFY(!control<QLabel>(&dialog, "statusLabel")->isVisibleTo(&dialog));
        QCOMPARE(applied.count(), 0);
    }

    // Whitelist clicked in a notification while the user edits the dialog: OK keeps both.
    void externalRuleSurvivesUnsavedEdits()
    {
        const Config original = sampleConfig();
        SettingsDialog dialog(original, nullptr);
        QSignalSpy applied(&dialog, &SettingsDialog::applied);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QTest::keyClicks(control<QLineEdit>(&dialog, "specEdit"), QStringLiteral("9090"));
        QTest::keyClick(control<QLineEdit>(&dialog, "specEdit"), Qt::Key_Return);
        dialog.showPage(SettingsDialog::Page::General);
        retype(control<QSpinBox>(&dialog, "intervalSpin"), QStringLiteral("5000"));
        QVERIFY(dialog.hasChanges());

        Config elsewhere = original;
        elsewhere.whitelist.append(pythonRule());
        elsewhere.notificationCooldownSec = 90; // a field the user did not touch
        elsewhere.intervalMs = 3000;            // one the user did: the user's value wins
        dialog.followExternalChange(elsewhere);
        auto *status = control<QLabel>(&dialog, "statusLabel");
        QVERIFY(status->isVisible());
        QVERIFY2(status->text().contains(QStringLiteral("changed outside")), qPrintable(status->text()));
        QVERIFY(dialog.hasChanges());

        click(button(dialog, QDialogButtonBox::Apply));
        QVERIFY(!status->isVisible()); // the note is answered
        click(button(dialog, QDialogButtonBox::Ok));
        QCOMPARE(applied.count(), 1);
        Config expected = elsewhere;
        expected.watched.append(*PortSpec::parse(u"9090"));
        expected.intervalMs = 5000;
        QCOMPARE(applied.at(0).at(0).value<Config>(), expected);
    }

    void userRemovalAndExternalAdditionBothKept()
    {
        const Config original = sampleConfig();
        Config edited = original;
        edited.watched.removeAt(1); // the user removed 8000-8100
        Config current = original;
        current.watched.append(*PortSpec::parse(u"tcp/5432"));
        current.whitelist.clear(); // removed elsewhere: stays removed
        const Config merged = mergeEdits(original, edited, current);
        QCOMPARE(merged.watched, (QList<PortSpec>{*PortSpec::parse(u"tcp/80"), *PortSpec::parse(u"udp/53"),
                                                  *PortSpec::parse(u"tcp/5432")}));
        QVERIFY(merged.whitelist.isEmpty());
        QCOMPARE(mergeEdits(original, original, current), current);
        QCOMPARE(mergeEdits(original, edited, original), edited);
    }

    void okWithoutChangesEmitsNothing()
    {
        SettingsDialog dialog(sampleConfig(), nullptr);
        QSignalSpy applied(&dialog, &SettingsDialog::applied);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QVERIFY(!button(dialog, QDialogButtonBox::Apply)->isEnabled());
        click(button(dialog, QDialogButtonBox::Ok));
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        QCOMPARE(applied.count(), 0);
    }

    void cancelEmitsNothing()
    {
        const Config original = sampleConfig();
        Config given = original;
        SettingsDialog dialog(given, nullptr);
        QSignalSpy applied(&dialog, &SettingsDialog::applied);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        QTest::keyClicks(control<QLineEdit>(&dialog, "specEdit"), QStringLiteral("9090"));
        click(control<QPushButton>(&dialog, "addSpecButton"));
        dialog.showPage(SettingsDialog::Page::General);
        testutil::toggle(control<QCheckBox>(&dialog, "autostartCheck"));
        click(button(dialog, QDialogButtonBox::Cancel));

        QCOMPARE(dialog.result(), int(QDialog::Rejected));
        QCOMPARE(applied.count(), 0);
        QCOMPARE(given, original);
        QVERIFY(!QFileInfo::exists(autostart::entryPath())); // nothing written on Cancel
    }

    void applyThenCancelKeepsAppliedPart()
    {
        SettingsDialog dialog(sampleConfig(), nullptr);
        QSignalSpy applied(&dialog, &SettingsDialog::applied);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        auto *edit = control<QLineEdit>(&dialog, "specEdit");
        QTest::keyClicks(edit, QStringLiteral("9090"));
        QTest::keyClick(edit, Qt::Key_Return);
        QVERIFY(button(dialog, QDialogButtonBox::Apply)->isEnabled());
        click(button(dialog, QDialogButtonBox::Apply));
        QVERIFY(dialog.isVisible()); // Apply does not close
        QCOMPARE(applied.count(), 1);
        QVERIFY(!button(dialog, QDialogButtonBox::Apply)->isEnabled()); // nothing left to apply
        const Config afterApply = applied.at(0).at(0).value<Config>();
        QVERIFY(afterApply.watched.contains(*PortSpec::parse(u"9090")));

        QTest::keyClicks(edit, QStringLiteral("9191"));
        QTest::keyClick(edit, Qt::Key_Return);
        QVERIFY(button(dialog, QDialogButtonBox::Apply)->isEnabled());
        click(button(dialog, QDialogButtonBox::Cancel));
        QCOMPARE(applied.count(), 1); // the applied part stays, the rest is dropped
        QVERIFY(!applied.at(0).at(0).value<Config>().watched.contains(*PortSpec::parse(u"9191")));
    }

    void applyEnabledOnlyWithChanges()
    {
        SettingsDialog dialog(sampleConfig(), nullptr);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        auto *apply = button(dialog, QDialogButtonBox::Apply);
        QVERIFY(!apply->isEnabled());
        dialog.showPage(SettingsDialog::Page::Notifications);
        auto *enabled = control<QCheckBox>(&dialog, "enabledCheck");
        testutil::toggle(enabled);
        QVERIFY(apply->isEnabled());
        testutil::toggle(enabled); // back to what it was
        QVERIFY(!apply->isEnabled());
    }

    void notificationsPage()
    {
        SettingsDialog dialog(sampleConfig(), nullptr);
        QSignalSpy applied(&dialog, &SettingsDialog::applied);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        dialog.showPage(SettingsDialog::Page::Notifications);
        auto *cooldown = control<QSpinBox>(&dialog, "cooldownSpin");
        QCOMPARE(cooldown->minimum(), Config::minCooldownSec);
        QCOMPARE(cooldown->maximum(), Config::maxCooldownSec);
        QCOMPARE(cooldown->value(), 30);
        retype(cooldown, QStringLiteral("120"));
        QCOMPARE(cooldown->value(), 120);
        testutil::toggle(control<QCheckBox>(&dialog, "enabledCheck"));
        QVERIFY(!cooldown->isEnabled()); // a quiet period means nothing without notifications
        click(button(dialog, QDialogButtonBox::Ok));
        QCOMPARE(applied.count(), 1);
        const Config result = applied.at(0).at(0).value<Config>();
        QCOMPARE(result.notificationsEnabled, false);
        QCOMPARE(result.notificationCooldownSec, 120);
    }

    void generalPage()
    {
        SettingsDialog dialog(sampleConfig(), nullptr);
        QSignalSpy applied(&dialog, &SettingsDialog::applied);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        dialog.showPage(SettingsDialog::Page::General);
        auto *interval = control<QSpinBox>(&dialog, "intervalSpin");
        QCOMPARE(interval->minimum(), Config::minIntervalMs);
        QCOMPARE(interval->maximum(), Config::maxIntervalMs);
        QCOMPARE(interval->value(), 2000);
        retype(interval, QStringLiteral("99999")); // beyond the bound: the spin box refuses the last digit
        QVERIFY(interval->value() <= Config::maxIntervalMs);
        retype(interval, QStringLiteral("5000"));
        QCOMPARE(interval->value(), 5000);

        auto *level = control<QComboBox>(&dialog, "logLevelCombo");
        QCOMPARE(level->currentData().toString(), QStringLiteral("info"));
        for (int i = 0; i < level->count(); ++i)
            QVERIFY2(logging::isValidLevel(level->itemData(i).toString()), qPrintable(level->itemData(i).toString()));
        level->setFocus();
        QTest::keyClick(level, Qt::Key_Up); // info -> debug
        QCOMPARE(level->currentData().toString(), QStringLiteral("debug"));

        click(button(dialog, QDialogButtonBox::Ok));
        QCOMPARE(applied.count(), 1);
        const Config result = applied.at(0).at(0).value<Config>();
        QCOMPARE(result.intervalMs, 5000);
        QCOMPARE(result.logLevel, QStringLiteral("debug"));
    }

    void roundTripThroughConfigFile()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = dir.filePath(QStringLiteral("config.json"));
        Config start = Config::defaults();
        start.whitelist = sampleConfig().whitelist;
        QVERIFY(ConfigStore::save(path, start));
        const ConfigLoad loaded = ConfigStore::load(path);
        QCOMPARE(loaded.status, ConfigLoad::Status::Loaded);

        SettingsDialog dialog(loaded.config, nullptr);
        QSignalSpy applied(&dialog, &SettingsDialog::applied);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        auto *edit = control<QLineEdit>(&dialog, "specEdit");
        QTest::keyClicks(edit, QStringLiteral("udp/5353, tcp/7000-7010"));
        QTest::keyClick(edit, Qt::Key_Return);
        testutil::clickCell(control<QListWidget>(&dialog, "specList"), 0);
        click(control<QPushButton>(&dialog, "removeSpecButton"));
        dialog.showPage(SettingsDialog::Page::General);
        retype(control<QSpinBox>(&dialog, "intervalSpin"), QStringLiteral("750"));
        dialog.showPage(SettingsDialog::Page::Notifications);
        retype(control<QSpinBox>(&dialog, "cooldownSpin"), QStringLiteral("5"));
        click(button(dialog, QDialogButtonBox::Ok));

        QCOMPARE(applied.count(), 1);
        const Config edited = applied.at(0).at(0).value<Config>();
        QVERIFY(edited != loaded.config);
        QCOMPARE(edited.intervalMs, 750);
        QString error;
        QVERIFY2(ConfigStore::save(path, edited, &error), qPrintable(error));
        const ConfigLoad reloaded = ConfigStore::load(path);
        QCOMPARE(reloaded.status, ConfigLoad::Status::Loaded);
        QCOMPARE(reloaded.config, edited);
    }

    void autostartWrittenAndRemoved()
    {
        const QString entry = autostart::entryPath();
        QVERIFY(entry.startsWith(QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation)));
        QVERIFY(!QFileInfo::exists(entry));
        {
            SettingsDialog dialog(sampleConfig(), nullptr);
            QSignalSpy applied(&dialog, &SettingsDialog::applied);
            dialog.show();
            QVERIFY(QTest::qWaitForWindowExposed(&dialog));
            dialog.showPage(SettingsDialog::Page::General);
            auto *check = control<QCheckBox>(&dialog, "autostartCheck");
            QVERIFY(!check->isChecked());
            testutil::toggle(check);
            QVERIFY(button(dialog, QDialogButtonBox::Apply)->isEnabled());
            click(button(dialog, QDialogButtonBox::Apply));
            QVERIFY(QFileInfo::exists(entry));
            QCOMPARE(applied.count(), 0); // the Config itself did not change
            QVERIFY(!button(dialog, QDialogButtonBox::Apply)->isEnabled());
        }
        QFile file(entry);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(file.readAll()).split(QLatin1Char('\n'));
        QVERIFY(lines.contains(QStringLiteral("[Desktop Entry]")));
        QVERIFY(lines.contains(QStringLiteral("Type=Application")));
        QVERIFY2(lines.contains(QStringLiteral("Exec=") + QCoreApplication::applicationFilePath()),
                 qPrintable(lines.join(QLatin1Char('|'))));
        file.close();

        // A new dialog reflects the file, and unchecking plus OK removes it.
        SettingsDialog dialog(sampleConfig(), nullptr);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        dialog.showPage(SettingsDialog::Page::General);
        auto *check = control<QCheckBox>(&dialog, "autostartCheck");
        QVERIFY(check->isChecked());
        testutil::toggle(check);
        click(button(dialog, QDialogButtonBox::Ok));
        QCOMPARE(dialog.result(), int(QDialog::Accepted));
        QVERIFY(!QFileInfo::exists(entry));
    }

    void autostartErrorShownAndDialogStaysOpen()
    {
        // A file where the autostart folder should be makes the entry impossible to write.
        const QString folder = QFileInfo(autostart::entryPath()).absolutePath();
        QDir(folder).removeRecursively();
        QVERIFY(QDir().mkpath(QFileInfo(folder).absolutePath()));
        {
            QFile blocker(folder);
            QVERIFY(blocker.open(QIODevice::WriteOnly));
        }
        SettingsDialog dialog(sampleConfig(), nullptr);
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        dialog.showPage(SettingsDialog::Page::General);
        testutil::toggle(control<QCheckBox>(&dialog, "autostartCheck"));
        click(button(dialog, QDialogButtonBox::Ok));
        auto *status = control<QLabel>(&dialog, "statusLabel");
        QVERIFY(dialog.isVisible());
        QVERIFY2(status->text().contains(folder), qPrintable(status->text()));
        QVERIFY(status->isVisible());
        QFile::remove(folder);
        QVERIFY(QDir().mkpath(folder));
    }
};

QTEST_MAIN(TestSettingsDialog)
#include "tst_settingsdialog.moc"

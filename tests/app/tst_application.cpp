// Application wiring against the fake platform: monitor state reaches the tray, tray actions reach the
// monitor and the configuration, a kill of another user's process asks first, the first-run question
// turns present listeners into whitelist rules, and a broken configuration is reported with its path.
#include "app/alertcontroller.h"
#include "app/application.h"
#include "app/firstrundialog.h"
#include "app/historywindow.h"
#include "app/settingsdialog.h"
#include "app/trayicon.h"
#include "core/configmanager.h"
#include "fakeplatform.h"
#include "traytestutil.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QDialogButtonBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QSystemTrayIcon>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <functional>
#include <mutex>

#include <sys/stat.h>

using namespace portwatch;
using portwatch::platform::Protocol;
using portwatch::testutil::findAction;

namespace {

// Records what it was asked to end and reports it released; the test owns what it inspects.
class RecordingProcessControl final : public platform::ProcessControl
{
public:
    struct Log {
        std::mutex mutex;
        std::vector<platform::KillTarget> targets;
        std::size_t size()
        {
            std::lock_guard lock(mutex);
            return targets.size();
        }
    };
    explicit RecordingProcessControl(std::shared_ptr<Log> log) : m_log(std::move(log)) {}
    platform::TerminateResult terminate(const platform::KillTarget &target, std::chrono::milliseconds) override
    {
        std::lock_guard lock(m_log->mutex);
        m_log->targets.push_back(target);
        platform::TerminateResult result;
        result.outcome = platform::TerminateOutcome::Released;
        result.message = "ended";
        return result;
    }

private:
    std::shared_ptr<Log> m_log;
};

constexpr std::uint64_t pythonInode = 501;
constexpr int pythonPid = 4242;
// Not the uid the tests run as (root here and in CI), so a kill asks for confirmation.
constexpr std::uint32_t otherUid = 54321;

QMenu *listenerMenu(const TrayIcon *tray)
{
    return testutil::firstListenerMenu(tray->menu());
}

QMessageBox *openMessageBox()
{
    const QList<QWidget *> windows = QApplication::topLevelWidgets();
    for (QWidget *window : windows) {
        if (auto *box = qobject_cast<QMessageBox *>(window); box && box->isVisible())
            return box;
    }
    return nullptr;
}

} // namespace

class TestApplication : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    testing::FakePlatform m_platform;
    std::shared_ptr<RecordingProcessControl::Log> m_kills;

    QString configPath() const { return m_dir.filePath(QStringLiteral("config.json")); }

    void writeConfig(bool firstRunDone)
    {
        QJsonObject object{{QStringLiteral("version"), 1},
                           {QStringLiteral("watched"), QJsonArray{QStringLiteral("tcp/8080")}},
                           {QStringLiteral("whitelist"), QJsonArray{}},
                           {QStringLiteral("intervalMs"), 250},
                           {QStringLiteral("firstRunDone"), firstRunDone}};
        QFile file(configPath());
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write(QJsonDocument(object).toJson());
    }

    std::unique_ptr<Application> makeApplication(const std::function<void(ApplicationOptions &)> &adjust = {})
    {
        ApplicationOptions options;
        options.configPath = configPath();
        options.historyPath = m_dir.filePath(QStringLiteral("history.jsonl"));
        options.sockets = m_platform.socketTable();
        options.processes = m_platform.resolver();
        options.control = std::make_unique<RecordingProcessControl>(m_kills);
        if (adjust)
            adjust(options);
        return std::make_unique<Application>(std::move(options));
    }

    Config savedConfig() const { return ConfigStore::load(configPath()).config; }

    QByteArray readConfigBytes() const
    {
        QFile file(configPath());
        return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    }

    // The first-run question is settled by the update that ends the initial poll, synchronously.
    static void waitForTheFirstPoll(Application *app)
    {
        QTRY_VERIFY(!app->monitor()->isInitialPoll());
        QTRY_COMPARE(toString(app->trayIcon()->state()), toString(MonitorState::Clear));
    }

private Q_SLOTS:
    void initTestCase()
    {
        Q_INIT_RESOURCE(icons);
        QVERIFY(m_dir.isValid());
    }

    void init()
    {
        QFile::remove(configPath());
        m_platform = testing::FakePlatform{};
        m_kills = std::make_shared<RecordingProcessControl::Log>();
        // Another user's python3 on the watched port: unexpected, and killing it needs a confirmation.
        m_platform.sockets->addSocket(testing::makeSocket(Protocol::Tcp, 8080, pythonInode, otherUid));
        m_platform.processes->setOwners(pythonInode, {testing::makeProcess(pythonPid, "/usr/bin/python3", otherUid, "alice")});
    }

    void cleanup()
    {
        const QList<QWidget *> windows = QApplication::topLevelWidgets();
        for (QWidget *window : windows) {
            if (qobject_cast<QMessageBox *>(window))
                delete window;
        }
    }

    void monitorStateReachesTheTray()
    {
        writeConfig(true);
        auto app = makeApplication();
        app->start();
        TrayIcon *tray = app->trayIcon();
        QTRY_COMPARE(toString(tray->state()), toString(MonitorState::Alert));
        QVERIFY2(tray->toolTip().contains(QStringLiteral("tcp/8080 HTTP alternate \u2014 python3 (pid 4242, user alice) (unexpected)")),
                 qPrintable(tray->toolTip()));
        QVERIFY(listenerMenu(tray));

        // The listener goes away: all clear.
        m_platform.sockets->removeSocket(pythonInode);
        QTRY_COMPARE(toString(tray->state()), toString(MonitorState::Clear));
        QVERIFY(!listenerMenu(tray));
    }

    void pauseAndResumeFromTheMenu()
    {
        writeConfig(true);
        auto app = makeApplication();
        app->start();
        TrayIcon *tray = app->trayIcon();
        QTRY_COMPARE(toString(tray->state()), toString(MonitorState::Alert));
        findAction(tray->menu(), QStringLiteral("pause"))->trigger();
        QTRY_COMPARE(toString(tray->state()), toString(MonitorState::Paused));
        QVERIFY(app->monitor()->isPaused());
        QCOMPARE(findAction(tray->menu(), QStringLiteral("pause"))->text(), QStringLiteral("Resume monitoring"));
        findAction(tray->menu(), QStringLiteral("pause"))->trigger();
        QTRY_COMPARE(toString(tray->state()), toString(MonitorState::Alert));
    }

    void whitelistFromTheMenuSavesARuleAndClears()
    {
        writeConfig(true);
        auto app = makeApplication();
        app->start();
        TrayIcon *tray = app->trayIcon();
        QTRY_VERIFY(listenerMenu(tray));
        findAction(listenerMenu(tray), QStringLiteral("whitelist"))->trigger();
        QTRY_COMPARE(toString(tray->state()), toString(MonitorState::Clear));
        const Config saved = savedConfig();
        QCOMPARE(saved.whitelist.size(), 1);
        QCOMPARE(saved.whitelist.at(0).exe, QStringLiteral("/usr/bin/python3"));
    }

    // Whitelist clicked while the settings dialog is open with unsaved edits: OK keeps the new rule.
    void whitelistWhileSettingsAreEditedSurvivesOk()
    {
        writeConfig(true);
        auto app = makeApplication();
        app->start();
        TrayIcon *tray = app->trayIcon();
        QTRY_VERIFY(listenerMenu(tray));
        app->showSettings();
        SettingsDialog *dialog = app->settingsDialog();
        QVERIFY(dialog);
        auto *spec = dialog->findChild<QLineEdit *>(QStringLiteral("specEdit"));
        QVERIFY(spec);
        QTest::keyClicks(spec, QStringLiteral("9090"));
        QTest::keyClick(spec, Qt::Key_Return);
        QVERIFY(dialog->hasChanges());

        findAction(listenerMenu(tray), QStringLiteral("whitelist"))->trigger();
        QTRY_COMPARE(savedConfig().whitelist.size(), 1);
        QTRY_COMPARE(dialog->config().whitelist.size(), 1);

        auto *buttons = dialog->findChild<QDialogButtonBox *>(QStringLiteral("buttonBox"));
        QVERIFY(buttons);
        buttons->button(QDialogButtonBox::Ok)->click();
        const Config saved = savedConfig();
        QCOMPARE(saved.whitelist.size(), 1);
        QCOMPARE(saved.whitelist.at(0).exe, QStringLiteral("/usr/bin/python3"));
        QVERIFY(saved.watched.contains(*PortSpec::parse(u"9090")));
    }

    void killOfAnotherUsersProcessAsksFirst()
    {
        writeConfig(true);
        auto app = makeApplication();
        app->start();
        TrayIcon *tray = app->trayIcon();
        QTRY_VERIFY(listenerMenu(tray));
        findAction(listenerMenu(tray), QStringLiteral("kill"))->trigger();

        // Another user's process: a confirmation comes first, and nothing is killed yet.
        QMessageBox *box = nullptr;
        QTRY_VERIFY((box = openMessageBox()) != nullptr);
        QVERIFY2(box->text().contains(QStringLiteral("python3 (pid 4242, user alice)")), qPrintable(box->text()));
        QCOMPARE(m_kills->size(), std::size_t(0));
        box->button(QMessageBox::Yes)->click();
        QTRY_COMPARE(m_kills->size(), std::size_t(1));
        std::lock_guard lock(m_kills->mutex);
        QCOMPARE(m_kills->targets.at(0).process.pid, pythonPid);
        QCOMPARE(m_kills->targets.at(0).socket.inode, pythonInode);
    }

    void cancelledConfirmationKillsNothing()
    {
        writeConfig(true);
        auto app = makeApplication();
        app->start();
        QTRY_VERIFY(listenerMenu(app->trayIcon()));
        findAction(listenerMenu(app->trayIcon()), QStringLiteral("kill"))->trigger();
        QMessageBox *box = nullptr;
        QTRY_VERIFY((box = openMessageBox()) != nullptr);
        // It names another user's process, whose name is whatever that user chose: never rich text.
        QCOMPARE(box->textFormat(), Qt::PlainText);
        box->button(QMessageBox::Cancel)->click();
        QTRY_VERIFY(!openMessageBox());
        QTest::qWait(300); // a kill, if one were wrongly started, runs on another thread
        QCOMPARE(m_kills->size(), std::size_t(0));
    }

    void firstRunTrustAllWhitelistsWhatIsThere()
    {
        writeConfig(false);
        auto app = makeApplication();
        app->start();
        QTRY_VERIFY(app->firstRunDialog());
        FirstRunDialog *dialog = app->firstRunDialog();
        auto *trust = dialog->findChild<QPushButton *>(QStringLiteral("continueButton"));
        QVERIFY(trust);
        trust->click();
        QTRY_COMPARE(toString(app->trayIcon()->state()), toString(MonitorState::Clear));
        const Config saved = savedConfig();
        QVERIFY(saved.firstRunDone);
        QCOMPARE(saved.whitelist.size(), 1);
        QCOMPARE(saved.whitelist.at(0).exe, QStringLiteral("/usr/bin/python3"));
        QCOMPARE(saved.whitelist.at(0).user, QStringLiteral("alice"));
        QVERIFY(saved.whitelist.at(0).ports.matches(Protocol::Tcp, 8080));
        QVERIFY(!app->alerts()->isAlerting(app->monitor()->listeners().front().listener.socket));
    }

    void firstRunUncheckedListenersAlert()
    {
        // A hidden owner next to the visible one: both are listed, both can be trusted or not.
        m_platform.sockets->addSocket(testing::makeSocket(Protocol::Tcp, 8080, 777, 0, "127.0.0.1"));
        m_platform.processes->setUserName(0, "root");
        writeConfig(false);
        auto app = makeApplication();
        app->start();
        QTRY_VERIFY(app->firstRunDialog());
        FirstRunDialog *dialog = app->firstRunDialog();
        QCOMPARE(dialog->checked().size(), 2);
        // Held back while the question is open.
        for (const WatchedListener &listener : app->monitor()->listeners())
            QVERIFY(!app->alerts()->isAlerting(listener.listener.socket));

        auto *table = dialog->findChild<QTableWidget *>(QStringLiteral("listenerTable"));
        QVERIFY(table);
        int pythonRow = -1;
        for (int row = 0; row < table->rowCount(); ++row) {
            if (table->item(row, 1)->text() == QStringLiteral("python3"))
                pythonRow = row;
        }
        QVERIFY(pythonRow >= 0);
        table->item(pythonRow, 0)->setCheckState(Qt::Unchecked);
        dialog->findChild<QPushButton *>(QStringLiteral("continueButton"))->click();

        QTRY_VERIFY(savedConfig().firstRunDone);
        const Config saved = savedConfig();
        // Only the hidden owner is trusted, by user and port.
        QCOMPARE(saved.whitelist.size(), 1);
        QVERIFY(saved.whitelist.at(0).exe.isEmpty());
        QCOMPARE(saved.whitelist.at(0).user, QStringLiteral("root"));
        // The python3 left unchecked alerts now; the trusted one does not.
        QTRY_COMPARE(toString(app->trayIcon()->state()), toString(MonitorState::Alert));
        for (const WatchedListener &listener : app->monitor()->listeners()) {
            const bool python = listener.listener.socket.inode == pythonInode;
            QCOMPARE(listener.verdict, python ? Verdict::Unexpected : Verdict::Expected);
            QTRY_COMPARE(app->alerts()->isAlerting(listener.listener.socket), python);
        }
    }

    void hiddenOwnerAlertsAndIsWhitelistedByUserFromTheMenu()
    {
        m_platform.sockets->removeSocket(pythonInode);
        m_platform.sockets->addSocket(testing::makeSocket(Protocol::Tcp, 8080, 777, 0));
        m_platform.processes->setUserName(0, "root");
        writeConfig(true);
        auto app = makeApplication();
        app->start();
        TrayIcon *tray = app->trayIcon();
        // An alert like any other, not a degraded monitor.
        QTRY_COMPARE(toString(tray->state()), toString(MonitorState::Alert));
        QTRY_VERIFY(app->alerts()->isAlerting(app->monitor()->listeners().front().listener.socket));
        QVERIFY2(tray->toolTip().contains(QStringLiteral("user root")), qPrintable(tray->toolTip()));
        QTRY_VERIFY(listenerMenu(tray));
        QAction *whitelist = findAction(listenerMenu(tray), QStringLiteral("whitelist"));
        QVERIFY(whitelist->isEnabled());
        whitelist->trigger();
        QTRY_COMPARE(toString(tray->state()), toString(MonitorState::Clear));
        const Config saved = savedConfig();
        QCOMPARE(saved.whitelist.size(), 1);
        QVERIFY(saved.whitelist.at(0).exe.isEmpty());
        QCOMPARE(saved.whitelist.at(0).user, QStringLiteral("root"));
        QCOMPARE(saved.whitelist.at(0).ports.toString(), QStringLiteral("tcp/8080"));
        QVERIFY2(tray->toolTip().contains(QStringLiteral("(whitelisted by user and port)")), qPrintable(tray->toolTip()));
    }

    void firstRunWithNothingListeningAsksNothing()
    {
        m_platform.sockets->removeSocket(pythonInode);
        writeConfig(false);
        const QByteArray before = readConfigBytes();
        auto app = makeApplication();
        app->start();
        waitForTheFirstPoll(app.get());
        QVERIFY(!app->firstRunDialog());
        // Nothing was asked, so nothing is saved: a valid file is never rewritten by a start.
        QCOMPARE(readConfigBytes(), before);
    }

    void firstStartWritesNoFile()
    {
        m_platform.sockets->removeSocket(pythonInode);
        QVERIFY(!QFile::exists(configPath()));
        auto app = makeApplication();
        app->start();
        waitForTheFirstPoll(app.get());
        QVERIFY(!QFile::exists(configPath()));

        // The first save is the user's: here Apply in the settings.
        app->showSettings();
        Config edited = app->configManager()->config();
        edited.intervalMs = 2000;
        Q_EMIT app->settingsDialog()->applied(edited);
        QTRY_VERIFY(QFile::exists(configPath()));
        QCOMPARE(savedConfig().intervalMs, 2000);
    }

    void unreadableConfigIsReportedAndKept()
    {
        // A FIFO stands for any file that exists but cannot be read (as root, permissions never stop us).
        QCOMPARE(::mkfifo(QFile::encodeName(configPath()).constData(), 0600), 0);
        auto app = makeApplication();
        app->start();
        QMessageBox *box = nullptr;
        QTRY_VERIFY((box = openMessageBox()) != nullptr);
        QVERIFY2(box->text().contains(configPath()) && box->text().contains(QStringLiteral("saves nothing")),
                 qPrintable(box->text()));
        box->close();
        // Whitelisting still works for this session, and says why it is not saved.
        QTRY_VERIFY(listenerMenu(app->trayIcon()));
        findAction(listenerMenu(app->trayIcon()), QStringLiteral("whitelist"))->trigger();
        QTRY_VERIFY((box = openMessageBox()) != nullptr);
        QVERIFY2(box->text().contains(QStringLiteral("could not be saved")), qPrintable(box->text()));
        QCOMPARE(app->configManager()->config().whitelist.size(), 1);
        QTRY_COMPARE(toString(app->trayIcon()->state()), toString(MonitorState::Clear));
        QVERIFY(QFileInfo(configPath()).exists() && !QFileInfo(configPath()).isFile());
        QCOMPARE(QDir(m_dir.path()).entryList({QStringLiteral("config.json*")}, QDir::AllEntries | QDir::System),
                 QStringList{QStringLiteral("config.json")});
        box->close();
    }

    void settingsAppliedAreSaved()
    {
        writeConfig(true);
        auto app = makeApplication();
        app->start();
        app->showSettings();
        SettingsDialog *dialog = app->settingsDialog();
        QVERIFY(dialog && dialog->isVisible());
        Config edited = app->configManager()->config();
        edited.watched << *PortSpec::parse(u"udp/5353");
        Q_EMIT dialog->applied(edited);
        QTRY_COMPARE(savedConfig().watched.size(), 2);
        // A second request (from a second `portwatch`) raises the same window.
        app->showSettings();
        QCOMPARE(app->settingsDialog(), dialog);
    }

    void brokenConfigIsReportedWithItsPath()
    {
        QFile file(configPath());
        QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
        file.write("{ \"watched\": [ \"tcp/80\", ");
        file.close();
        auto app = makeApplication();
        app->start();
        QVERIFY(app->lastMessage());
        const QString text = app->lastMessage()->text();
        QVERIFY2(text.contains(m_dir.path()), qPrintable(text));
        QVERIFY2(text.contains(QStringLiteral("default settings")), qPrintable(text));
        // Defaults are in use, so the monitor still runs.
        QTRY_VERIFY(app->trayIcon()->state() != MonitorState::Starting);
    }

    // The offscreen platform never has a tray host: the look for one backs off to its ceiling
    // instead of waking the program at the first interval forever.
    // "History…" shows the events, even when the window is open on "Now" from a click on the icon.
    void historyFromTheMenuOpensTheHistoryTab()
    {
        writeConfig(true);
        auto app = makeApplication();
        app->start();
        TrayIcon *tray = app->trayIcon();
        findAction(tray->menu(), QStringLiteral("history"))->trigger();
        QVERIFY(app->historyWindow());
        QCOMPARE(int(app->historyWindow()->currentTab()), int(HistoryWindow::Tab::History));
        Q_EMIT tray->statusRequested();
        QCOMPARE(int(app->historyWindow()->currentTab()), int(HistoryWindow::Tab::Now));
        findAction(tray->menu(), QStringLiteral("history"))->trigger();
        QCOMPARE(int(app->historyWindow()->currentTab()), int(HistoryWindow::Tab::History));
        delete app->historyWindow();
    }

    void lookForATrayHostBacksOff()
    {
        writeConfig(true);
        auto app = makeApplication([](ApplicationOptions &options) {
            options.trayHostPollMs = 10;
            options.trayHostPollMaxMs = 80;
        });
        QSignalSpy shown(app.get(), &Application::trayIconShown);
        app->start();
        QVERIFY(!QSystemTrayIcon::isSystemTrayAvailable());
        QList<int> seen{app->trayHostPollInterval()};
        QElapsedTimer waited;
        waited.start();
        while (seen.last() != 80 && waited.elapsed() < 5000) {
            QTest::qWait(1);
            if (app->trayHostPollInterval() != seen.last())
                seen.append(app->trayHostPollInterval());
        }
        QCOMPARE(seen, (QList<int>{10, 20, 40, 80}));
        QTest::qWait(300); // stays at the ceiling
        QCOMPARE(app->trayHostPollInterval(), 80);
        QCOMPARE(shown.count(), 0);
    }
};

QTEST_MAIN(TestApplication)
#include "tst_application.moc"

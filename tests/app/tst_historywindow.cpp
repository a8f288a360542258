// HistoryWindow: events newest first, filtered by text and kind, exported (the filtered rows) to CSV
// and JSON through the file dialog, errors shown; the "Now" tab lists the current listeners.
#include "app/historywindow.h"
#include "core/history.h"
#include "dialogtestutil.h"

#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace portwatch;
using testutil::control;

namespace {

HistoryEvent makeEvent(int minute, HistoryEvent::Kind kind, quint16 port, int pid, const QString &process,
                       const QString &exe, const QString &detail = {})
{
    HistoryEvent event;
    event.time = QDateTime(QDate(2026, 11, 25), QTime(12, minute), Qt::UTC);
    event.kind = kind;
    event.protocol = platform::Protocol::Tcp;
    event.family = platform::Family::IPv4;
    event.address = QStringLiteral("0.0.0.0");
    event.port = port;
    event.pid = pid;
    event.process = process;
    event.exe = exe;
    event.user = QStringLiteral("alice");
    event.detail = detail;
    return event;
}

QString cell(QTableView *view, int row, int column)
{
    return view->model()->index(row, column).data().toString();
}

} // namespace

class TestHistoryWindow : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::unique_ptr<History> m_history;
    std::unique_ptr<HistoryWindow> m_window;
    QTableView *m_view = nullptr;

    // Clicks an export button and answers the file dialog with path.
    void exportThroughDialog(const char *buttonName, const QString &path)
    {
        QTest::mouseClick(control<QPushButton>(m_window.get(), buttonName), Qt::LeftButton);
        auto *chooser = testutil::waitForChild<QFileDialog>(m_window.get());
        QVERIFY(chooser);
        QCOMPARE(chooser->acceptMode(), QFileDialog::AcceptSave);
        chooser->selectFile(path);
        static_cast<QDialog *>(chooser)->accept(); // QFileDialog::accept() is protected; QDialog::accept() is not
    }

private Q_SLOTS:
    void init()
    {
        QVERIFY(m_dir.isValid());
        QFile::remove(m_dir.filePath(QStringLiteral("history.jsonl")));
        m_history = std::make_unique<History>(m_dir.filePath(QStringLiteral("history.jsonl")));
        using Kind = HistoryEvent::Kind;
        m_history->append(makeEvent(1, Kind::Appeared, 8080, 4242, QStringLiteral("python3"), QStringLiteral("/usr/bin/python3")));
        m_history->append(makeEvent(2, Kind::Killed, 8080, 4242, QStringLiteral("python3"), QStringLiteral("/usr/bin/python3"),
                                    QStringLiteral("released")));
        m_history->append(makeEvent(3, Kind::Appeared, 80, 100, QStringLiteral("nginx"), QStringLiteral("/usr/sbin/nginx")));
        m_history->append(makeEvent(4, Kind::Whitelisted, 80, 100, QStringLiteral("nginx"), QStringLiteral("/usr/sbin/nginx"),
                                    QStringLiteral("/usr/sbin/nginx on tcp/80")));
        m_history->append(makeEvent(5, Kind::Vanished, 80, 100, QStringLiteral("nginx"), QStringLiteral("/usr/sbin/nginx")));
        m_window = std::make_unique<HistoryWindow>(m_history.get(), nullptr);
        m_window->showTab(HistoryWindow::Tab::History);
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        m_view = control<QTableView>(m_window.get(), "historyView");
    }

    void cleanup()
    {
        m_window.reset();
        m_history.reset();
    }

    void newestFirst()
    {
        QCOMPARE(m_view->model()->rowCount(), 5);
        QCOMPARE(cell(m_view, 0, 1), QStringLiteral("Vanished"));
        QCOMPARE(cell(m_view, 4, 1), QStringLiteral("Appeared (unexpected)"));
        QCOMPARE(cell(m_view, 0, 0), QDateTime(QDate(2026, 11, 25), QTime(12, 5), Qt::UTC).toLocalTime()
                                         .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss")));
        QCOMPARE(cell(m_view, 0, 2), QStringLiteral("tcp/80"));
        QCOMPARE(cell(m_view, 0, 4), QStringLiteral("100"));
    }

    void refreshShowsNewEvents()
    {
        m_history->append(makeEvent(9, HistoryEvent::Kind::Appeared, 22, 1, QStringLiteral("sshd"), QStringLiteral("/usr/sbin/sshd")));
        QCOMPARE(m_view->model()->rowCount(), 5);
        m_window->refresh();
        QCOMPARE(m_view->model()->rowCount(), 6);
        QCOMPARE(cell(m_view, 0, 3), QStringLiteral("sshd"));
    }

    void filterByTextAndKind()
    {
        auto *filter = control<QLineEdit>(m_window.get(), "filterEdit");
        auto *kind = control<QComboBox>(m_window.get(), "kindCombo");
        QTest::keyClicks(filter, QStringLiteral("NGINX"));
        QCOMPARE(m_view->model()->rowCount(), 3);
        kind->setFocus();
        QTest::keyClick(kind, Qt::Key_Down); // "Appeared"
        QCOMPARE(m_view->model()->rowCount(), 1);
        QCOMPARE(cell(m_view, 0, 3), QStringLiteral("nginx"));
        filter->clear();
        QCOMPARE(m_view->model()->rowCount(), 2);
        QTest::keyClick(kind, Qt::Key_Down); // "Vanished"
        QTest::keyClick(kind, Qt::Key_Down); // "Killed"
        QCOMPARE(m_view->model()->rowCount(), 1);
        QCOMPARE(cell(m_view, 0, 7), QStringLiteral("released"));
        QVERIFY(control<QLabel>(m_window.get(), "countLabel")->text().contains(QStringLiteral("1 of 5")));
        QTest::keyClicks(filter, QStringLiteral("no such thing"));
        QCOMPARE(m_view->model()->rowCount(), 0);
        QVERIFY(!control<QPushButton>(m_window.get(), "exportCsvButton")->isEnabled());
    }

    void exportCsvOfFilteredRows()
    {
        QTest::keyClicks(control<QLineEdit>(m_window.get(), "filterEdit"), QStringLiteral("python"));
        QCOMPARE(m_view->model()->rowCount(), 2);
        const QString path = m_dir.filePath(QStringLiteral("out.csv"));
        exportThroughDialog("exportCsvButton", path);
        QTRY_VERIFY(QFile::exists(path));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(file.readAll()).split(QStringLiteral("\r\n"), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 3); // header and the two python3 events
        QVERIFY(lines.at(0).startsWith(QStringLiteral("time,kind")));
        QVERIFY(lines.at(1).contains(QStringLiteral("killed")) && lines.at(1).contains(QStringLiteral("python3")));
        QVERIFY(lines.at(2).contains(QStringLiteral("appeared")));
        QVERIFY(!lines.join(QString()).contains(QStringLiteral("nginx")));
        QVERIFY(control<QLabel>(m_window.get(), "statusLabel")->text().contains(QStringLiteral("2 events")));
    }

    void exportJsonOfFilteredRows()
    {
        control<QComboBox>(m_window.get(), "kindCombo")->setFocus();
        QTest::keyClick(control<QComboBox>(m_window.get(), "kindCombo"), Qt::Key_Down); // "Appeared"
        const QString path = m_dir.filePath(QStringLiteral("out")); // the default suffix is added
        exportThroughDialog("exportJsonButton", path);
        const QString written = path + QStringLiteral(".json");
        QTRY_VERIFY(QFile::exists(written));
        QFile file(written);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QJsonArray array = QJsonDocument::fromJson(file.readAll()).array();
        QCOMPARE(array.size(), 2);
        QCOMPARE(HistoryEvent::fromJson(array.at(0).toObject())->process, QStringLiteral("nginx"));
        QCOMPARE(HistoryEvent::fromJson(array.at(1).toObject())->process, QStringLiteral("python3"));
    }

    void exportErrorShown()
    {
        // A regular file where a folder should be: no export can be written below it.
        const QString blocker = m_dir.filePath(QStringLiteral("not-a-folder"));
        QFile file(blocker);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();
        const QString path = blocker + QStringLiteral("/out.csv");
        QVERIFY(!m_window->exportTo(HistoryWindow::ExportFormat::Csv, path));
        auto *status = control<QLabel>(m_window.get(), "statusLabel");
        QVERIFY2(status->text().contains(path), qPrintable(status->text()));
        QVERIFY(status->isVisible());
    }

    void nowTabListsListeners()
    {
        using platform::Protocol;
        const QList<WatchedListener> listeners{
            testutil::listener(Protocol::Tcp, 80, {testutil::process(100, "nginx", "/usr/sbin/nginx", "www-data")},
                               Verdict::Expected),
            testutil::listener(Protocol::Tcp, 8080, {testutil::process(4242, "python3", "/usr/bin/python3")}),
            testutil::listener(Protocol::Udp, 53, {}, Verdict::Unknown),
        };
        m_window->setCurrentListeners(listeners);
        m_window->setStatus(MonitorState::Alert, QStringLiteral("tcp/8080 held by python3 (pid 4242), not whitelisted"));
        m_window->showTab(HistoryWindow::Tab::Now);
        auto *table = control<QTableWidget>(m_window.get(), "nowTable");
        QCOMPARE(table->rowCount(), 3);
        QCOMPARE(table->item(1, 0)->text(), QStringLiteral("tcp/8080"));
        QCOMPARE(table->item(1, 2)->text(), QStringLiteral("unexpected"));
        QCOMPARE(table->item(1, 4)->text(), QStringLiteral("4242"));
        QCOMPARE(table->item(2, 2)->text(), QStringLiteral("owner not visible"));
        const QString summary = control<QLabel>(m_window.get(), "summaryLabel")->text();
        QVERIFY2(summary.contains(QStringLiteral("3 listeners")) && summary.contains(QStringLiteral("1 unexpected")),
                 qPrintable(summary));
        QVERIFY(summary.contains(QStringLiteral("held by python3")));

        QSignalSpy kill(m_window.get(), &HistoryWindow::killRequested);
        auto *killButton = control<QPushButton>(m_window.get(), "killButton");
        QVERIFY(!killButton->isEnabled());
        testutil::clickCell(table, 2);
        QVERIFY(!killButton->isEnabled()); // nothing visible to kill
        // A hidden owner can still be whitelisted, by its user and port.
        QSignalSpy whitelist(m_window.get(), &HistoryWindow::whitelistRequested);
        auto *whitelistButton = control<QPushButton>(m_window.get(), "whitelistButton");
        QVERIFY(whitelistButton->isEnabled());
        QTest::mouseClick(whitelistButton, Qt::LeftButton);
        QCOMPARE(whitelist.count(), 1);
        QCOMPARE(whitelist.at(0).at(0).value<WatchedListener>().listener.socket.port, quint16(53));
        testutil::clickCell(table, 1);
        QTest::mouseClick(killButton, Qt::LeftButton);
        QCOMPARE(kill.count(), 1);
        QCOMPARE(kill.at(0).at(0).value<WatchedListener>().listener.owners.front().pid, 4242);
    }
};

QTEST_MAIN(TestHistoryWindow)
#include "tst_historywindow.moc"

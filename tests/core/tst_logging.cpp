// Logging: the level set for spdlog also switches levels off in Qt's logging categories (a disabled
// qCDebug() is never formatted), Qt's own rules stay in force, and messages reach the log file.
#include "core/logging.h"

#include <QFile>
#include <QLoggingCategory>
#include <QTemporaryDir>
#include <QTest>

#include <spdlog/spdlog.h>

using namespace portwatch;

namespace {
Q_LOGGING_CATEGORY(lcTest, "portwatch.test")
Q_LOGGING_CATEGORY(lcQtInternal, "qt.portwatch.test")
} // namespace

class TestLogging : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        logging::Options options;
        options.toStderr = false;
        options.filePath = m_dir.filePath(QStringLiteral("log/portwatch.log"));
        options.level = QStringLiteral("info");
        QCOMPARE(logging::setup(options), QString());
    }

    void levelsFollowTheLogLevel()
    {
        logging::setLevel(QStringLiteral("info"));
        QVERIFY(!lcTest().isDebugEnabled());
        QVERIFY(lcTest().isInfoEnabled());
        QVERIFY(lcTest().isWarningEnabled());

        logging::setLevel(QStringLiteral("debug"));
        QVERIFY(lcTest().isDebugEnabled());
        QVERIFY(lcTest().isInfoEnabled());

        logging::setLevel(QStringLiteral("warn"));
        QVERIFY(!lcTest().isDebugEnabled());
        QVERIFY(!lcTest().isInfoEnabled());
        QVERIFY(lcTest().isWarningEnabled());
        QVERIFY(lcTest().isCriticalEnabled());

        logging::setLevel(QStringLiteral("off"));
        QVERIFY(!lcTest().isWarningEnabled());
        QVERIFY(!lcTest().isCriticalEnabled());

        // A category made after the level was set gets it too.
        logging::setLevel(QStringLiteral("info"));
        QLoggingCategory late("portwatch.test.late");
        QVERIFY(!late.isDebugEnabled());
        QVERIFY(late.isInfoEnabled());
    }

    // Qt's default rule keeps qt.* debug output off; "debug" must not switch it on.
    void qtRulesStayInForce()
    {
        logging::setLevel(QStringLiteral("debug"));
        QVERIFY(lcTest().isDebugEnabled());
        QVERIFY(!lcQtInternal().isDebugEnabled());
        QVERIFY(lcQtInternal().isWarningEnabled());
        logging::setLevel(QStringLiteral("info"));
    }

    void messagesReachTheFile()
    {
        logging::setLevel(QStringLiteral("info"));
        qCDebug(lcTest) << "not-written-debug";
        qCInfo(lcTest) << "written-info";
        qCWarning(lcTest) << "written-warning";
        spdlog::default_logger()->flush();
        QFile file(m_dir.filePath(QStringLiteral("log/portwatch.log")));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray text = file.readAll();
        QVERIFY2(text.contains("[portwatch.test] written-info"), text.constData());
        QVERIFY(text.contains("[portwatch.test] written-warning"));
        QVERIFY(!text.contains("not-written-debug"));
    }

private:
    QTemporaryDir m_dir;
};

QTEST_GUILESS_MAIN(TestLogging)
#include "tst_logging.moc"

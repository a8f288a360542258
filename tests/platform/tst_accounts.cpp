// Accounts on Linux: login.defs decides which uids are people and which are system accounts; the
// current user is recognised by uid.
#include "platform/accounts.h"
#include "platform/linux/logindefs.h"

#include <QTest>

#include <unistd.h>

using namespace portwatch::platform;

class TestAccounts : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void loginDefsRange_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<uint>("min");
        QTest::addColumn<uint>("max");
        QTest::newRow("debian") << QStringLiteral("# comment\nUID_MIN\t\t\t 1000\nUID_MAX\t\t\t60000\nSYS_UID_MAX 999\n")
                                << 1000u << 60000u;
        QTest::newRow("older distribution") << QStringLiteral("UID_MIN 500\nUID_MAX 60000\n") << 500u << 60000u;
        QTest::newRow("missing: defaults") << QStringLiteral("MAIL_DIR /var/mail\n") << 1000u << 60000u;
        QTest::newRow("commented out") << QStringLiteral("#UID_MIN 500\n") << 1000u << 60000u;
        QTest::newRow("trailing comment") << QStringLiteral("UID_MIN 2000 # site policy\n") << 2000u << 60000u;
        QTest::newRow("not a number") << QStringLiteral("UID_MIN lots\nUID_MAX 5000\n") << 1000u << 5000u;
        QTest::newRow("empty range: defaults") << QStringLiteral("UID_MIN 7000\nUID_MAX 6000\n") << 1000u << 60000u;
    }

    void loginDefsRange()
    {
        QFETCH(QString, text);
        QFETCH(uint, min);
        QFETCH(uint, max);
        const linuxos::UidRange range = linuxos::parseLoginDefs(text.toStdString());
        QCOMPARE(range.min, min);
        QCOMPARE(range.max, max);
    }

    void systemAccountsAreOutsideTheRange()
    {
        const linuxos::UidRange &range = linuxos::regularUidRange();
        ProcessInfo process;
        process.uid = 0;
        QVERIFY(isSystemAccount(process)); // root
        process.uid = range.min - 1;
        QVERIFY(isSystemAccount(process)); // the last daemon account
        process.uid = range.min;
        QVERIFY(!isSystemAccount(process)); // the first person
        process.uid = 65534;
        QVERIFY(isSystemAccount(process)); // nobody
    }

    void currentUserByUid()
    {
        ProcessInfo process;
        process.uid = ::getuid();
        QVERIFY(isCurrentUser(process));
        process.uid = ::getuid() + 1;
        QVERIFY(!isCurrentUser(process));
        QCOMPARE(currentUserKey(), std::to_string(::getuid()));
        QCOMPARE(isPrivileged(), ::geteuid() == 0);
    }
};

QTEST_GUILESS_MAIN(TestAccounts)
#include "tst_accounts.moc"

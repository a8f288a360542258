// Tests for Monitor and its worker thread against the fake platform: state transitions, events,
// pause/resume, config changes applied at once, what is asked of the platform, clean shutdown.
#include "core/monitor.h"
#include "fakeplatform.h"

#include <QAbstractEventDispatcher>
#include <QSignalSpy>
#include <QTest>
#include <QThread>

#include <memory>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace portwatch;
using portwatch::platform::Protocol;
using portwatch::testing::FakePlatform;
using portwatch::testing::makeProcess;
using portwatch::testing::makeSocket;

namespace {

// Long enough that only pollNow(), start(), resume() and config changes poll during a test.
constexpr int manualIntervalMs = Config::maxIntervalMs;

Config watching(const QString &specs, int intervalMs = manualIntervalMs, QList<WhitelistRule> whitelist = {})
{
    Config config;
    config.watched.clear();
    if (!specs.isEmpty()) {
        const auto spec = PortSpec::parse(specs);
        Q_ASSERT(spec);
        config.watched.append(*spec);
    }
    config.intervalMs = intervalMs;
    config.whitelist = std::move(whitelist);
    return config;
}

WhitelistRule allow(const char *exe)
{
    WhitelistRule rule;
    rule.exe = QString::fromLatin1(exe);
    return rule;
}

// State names: QTest would find toString(MonitorState) (returning QString) for enum values and fail.
QStringList statesOf(const QSignalSpy &spy)
{
    QStringList states;
    for (const auto &arguments : spy)
        states.append(toString(arguments.at(0).value<MonitorState>()));
    return states;
}

WatchedListener listenerAt(const QSignalSpy &spy, qsizetype index)
{
    return spy.at(index).at(0).value<WatchedListener>();
}

std::unique_ptr<Monitor> makeMonitor(const FakePlatform &fake)
{
    return std::make_unique<Monitor>(fake.socketTable(), fake.resolver());
}

// Returns once the monitor's worker thread has handled everything queued to it so far (commands
// to one thread run in the order they were posted): turns "after pause() nothing is queried" into
// a deterministic check.
bool syncWithWorker(Monitor &monitor)
{
    auto *thread = monitor.findChild<QThread *>();
    if (!thread || !thread->isRunning())
        return false;
    return QMetaObject::invokeMethod(QAbstractEventDispatcher::instance(thread), [] {}, Qt::BlockingQueuedConnection);
}

// A TCP socket listening on an ephemeral loopback port, closed on destruction.
class LoopbackListener final
{
public:
    LoopbackListener()
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof address;
        if (m_fd < 0 || ::bind(m_fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0
            || ::listen(m_fd, 1) != 0 || ::getsockname(m_fd, reinterpret_cast<sockaddr *>(&address), &length) != 0)
            return;
        m_port = ntohs(address.sin_port);
    }
    ~LoopbackListener() { close(); }
    LoopbackListener(const LoopbackListener &) = delete;
    LoopbackListener &operator=(const LoopbackListener &) = delete;

    quint16 port() const { return m_port; }
    // The socket's inode, as the socket table reports it.
    quint64 inode() const
    {
        struct stat info {};
        return m_fd >= 0 && ::fstat(m_fd, &info) == 0 ? quint64(info.st_ino) : 0;
    }
    void close()
    {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = -1;
    }

private:
    int m_fd = -1;
    quint16 m_port = 0;
};

} // namespace

class TestMonitor final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void startingClearAlertClear()
    {
        FakePlatform fake;
        auto monitor = makeMonitor(fake);
        QSignalSpy states(monitor.get(), &Monitor::stateChanged);
        QSignalSpy appeared(monitor.get(), &Monitor::appeared);
        QSignalSpy vanished(monitor.get(), &Monitor::vanished);
        QSignalSpy updated(monitor.get(), &Monitor::updated);

        monitor->setConfig(watching(QStringLiteral("tcp/8080"), Config::minIntervalMs));
        QCOMPARE(toString(monitor->state()), toString(MonitorState::Starting));
        monitor->start();
        QTRY_COMPARE(toString(monitor->state()), toString(MonitorState::Clear));
        QCOMPARE(monitor->stateReason(), QStringLiteral("Nothing listens on the watched ports"));

        // Found by the timer, not by pollNow().
        fake.processes->setOwners(7, {makeProcess(42, "/usr/bin/nc")});
        fake.sockets->addSocket(makeSocket(Protocol::Tcp, 8080, 7));
        QTRY_COMPARE(toString(monitor->state()), toString(MonitorState::Alert));
        QCOMPARE(monitor->stateReason(), QStringLiteral("tcp/8080 held by nc (pid 42), not whitelisted"));
        QCOMPARE(appeared.size(), 1);
        QCOMPARE(listenerAt(appeared, 0).verdict, Verdict::Unexpected);
        QCOMPARE(listenerAt(appeared, 0).listener.owners.front().pid, 42);
        QVERIFY(listenerAt(appeared, 0).firstSeen.isValid());
        QCOMPARE(monitor->listeners().size(), 1);

        // Quiet ticks change nothing and report nothing.
        const int updates = int(updated.size());
        const int queries = fake.sockets->queryCount();
        QTRY_VERIFY(fake.sockets->queryCount() >= queries + 3);
        QCOMPARE(int(updated.size()), updates);
        QCOMPARE(states.size(), 2);

        fake.sockets->removeSocket(7);
        QTRY_COMPARE(toString(monitor->state()), toString(MonitorState::Clear));
        QCOMPARE(vanished.size(), 1);
        QCOMPARE(listenerAt(vanished, 0).listener.socket.inode, quint64(7));
        QCOMPARE(statesOf(states), (QStringList{"clear", "alert", "clear"}));
        QVERIFY(monitor->listeners().isEmpty());
    }

    void everySuccessfulPollIsAnnounced()
    {
        FakePlatform fake;
        auto monitor = makeMonitor(fake);
        QSignalSpy updated(monitor.get(), &Monitor::updated);
        QSignalSpy polled(monitor.get(), &Monitor::polled);
        monitor->setConfig(watching(QStringLiteral("tcp/8080")));
        monitor->start();
        QTRY_COMPARE(polled.size(), 1);
        const QDateTime first = polled.at(0).at(0).toDateTime();
        QVERIFY(first.isValid());

        // A quiet poll: nothing updated, but the poll itself is reported, with its time.
        const int updates = int(updated.size());
        monitor->pollNow();
        QTRY_COMPARE(polled.size(), 2);
        QCOMPARE(int(updated.size()), updates);
        QVERIFY(polled.at(1).at(0).toDateTime() >= first);

        // A failed poll is no poll: pollFailed says so instead.
        fake.sockets->setError("netlink refused");
        QSignalSpy failed(monitor.get(), &Monitor::pollFailed);
        monitor->pollNow();
        QTRY_COMPARE(failed.size(), 1);
        QCOMPARE(polled.size(), 2);
    }

    void hiddenOwnerAlertsUntilTrustedByUserAndPort()
    {
        FakePlatform fake;
        fake.processes->setUserName(1001, "bob");
        fake.sockets->addSocket(makeSocket(Protocol::Tcp, 8080, 1, 1001)); // no owners scripted: not visible
        auto monitor = makeMonitor(fake);
        QSignalSpy appeared(monitor.get(), &Monitor::appeared);
        monitor->setConfig(watching(QStringLiteral("8080-8081")));
        monitor->start();
        // A process Portwatch cannot see is an unexpected listener like any other, not a degraded monitor.
        QTRY_COMPARE(toString(monitor->state()), toString(MonitorState::Alert));
        QCOMPARE(monitor->listeners().front().verdict, Verdict::Unexpected);
        QCOMPARE(appeared.size(), 1);
        QCOMPARE(listenerAt(appeared, 0).verdict, Verdict::Unexpected);
        QVERIFY2(monitor->stateReason().contains(QLatin1String("user bob (owner hidden)")),
                 qPrintable(monitor->stateReason()));

        // Trusted by user and port: clear, and the reason says how.
        WhitelistRule byUser;
        byUser.user = QStringLiteral("bob");
        byUser.ports = *PortSpec::parse(QStringLiteral("tcp/8080"));
        monitor->setConfig(watching(QStringLiteral("8080-8081"), manualIntervalMs, {byUser}));
        QCOMPARE(toString(monitor->state()), toString(MonitorState::Clear));
        QVERIFY2(monitor->stateReason().contains(QLatin1String("1 with a hidden owner, trusted by its user and port")),
                 qPrintable(monitor->stateReason()));

        fake.processes->setOwners(2, {makeProcess(50, "/usr/bin/python3")});
        fake.sockets->addSocket(makeSocket(Protocol::Tcp, 8081, 2));
        monitor->pollNow();
        QTRY_COMPARE(toString(monitor->state()), toString(MonitorState::Alert));

        fake.sockets->removeSocket(2);
        monitor->pollNow();
        QTRY_COMPARE(toString(monitor->state()), toString(MonitorState::Clear));
    }

    void backendFailureIsDegradedAndReported()
    {
        FakePlatform fake;
        fake.sockets->setError("netlink: Operation not permitted");
        auto monitor = makeMonitor(fake);
        QSignalSpy failed(monitor.get(), &Monitor::pollFailed);
        monitor->setConfig(watching(QStringLiteral("tcp/80")));
        monitor->start();
        QTRY_COMPARE(failed.size(), 1);
        QCOMPARE(failed.at(0).at(0).toString(), QStringLiteral("netlink: Operation not permitted"));
        QCOMPARE(toString(monitor->state()), toString(MonitorState::Degraded));
        QVERIFY(monitor->stateReason().contains(QLatin1String("netlink: Operation not permitted")));

        // Even an unexpected listener known from before does not make a failed backend an Alert:
        // what we know may be stale.
        fake.sockets->setError({});
        fake.processes->setOwners(3, {makeProcess(60, "/usr/bin/nc")});
        fake.sockets->addSocket(makeSocket(Protocol::Tcp, 80, 3));
        monitor->pollNow();
        QTRY_COMPARE(toString(monitor->state()), toString(MonitorState::Alert));
        fake.sockets->setError("netlink: gone");
        monitor->pollNow();
        QTRY_COMPARE(failed.size(), 2);
        QCOMPARE(toString(monitor->state()), toString(MonitorState::Degraded));
        QCOMPARE(monitor->listeners().size(), 1);

        fake.sockets->setError({});
        fake.sockets->removeSocket(3);
        monitor->pollNow();
        QTRY_COMPARE(toString(monitor->state()), toString(MonitorState::Clear));
    }

    void whitelistChangeClearsAlertWithoutPolling()
    {
        FakePlatform fake;
        fake.processes->setOwners(5, {makeProcess(70, "/usr/sbin/nginx")});
        fake.sockets->addSocket(makeSocket(Protocol::Tcp, 80, 5));
        auto monitor = makeMonitor(fake);
        Config config = watching(QStringLiteral("tcp/80"));
        monitor->setConfig(config);
        monitor->start();
        QTRY_COMPARE(toString(monitor->state()), toString(MonitorState::Alert));
        QSignalSpy states(monitor.get(), &Monitor::stateChanged);
        QSignalSpy appeared(monitor.get(), &Monitor::appeared);
        QSignalSpy vanished(monitor.get(), &Monitor::vanished);
        const int queries = fake.sockets->queryCount();

        config.whitelist = {allow("/usr/sbin/nginx")};
        monitor->setConfig(config);
        // At once, within the call.
        QCOMPARE(toString(monitor->state()), toString(MonitorState::Clear));
        QCOMPARE(monitor->listeners().front().verdict, Verdict::Expected);
        QCOMPARE(statesOf(states), QStringList{"clear"});
        QCOMPARE(fake.sockets->queryCount(), queries);

        // The next poll keeps it that way and reports no event for the listener already known
        // (a second, new listener makes the poll's arrival observable).
        fake.processes->setOwners(6, {makeProcess(71, "/usr/sbin/nginx")});
        fake.sockets->addSocket(makeSocket(Protocol::Tcp, 80, 6, 1000, "::", platform::Family::IPv6));
        monitor->pollNow();
        QTRY_COMPARE(monitor->listeners().size(), 2);
        QCOMPARE(toString(monitor->state()), toString(MonitorState::Clear));
        QCOMPARE(appeared.size(), 1);
        QCOMPARE(listenerAt(appeared, 0).listener.socket.inode, quint64(6));
        QVERIFY(vanished.isEmpty());

        config.whitelist.clear();
        monitor->setConfig(config);
        QCOMPARE(toString(monitor->state()), toString(MonitorState::Alert));
    }

    void pauseStopsQueriesAndResumePollsAtOnce()
    {
        FakePlatform fake;
        auto monitor = makeMonitor(fake);
        QSignalSpy states(monitor.get(), &Monitor::stateChanged);
        monitor->setConfig(watching(QStringLiteral("tcp/80"), Config::minIntervalMs));
        monitor->start();
        QTRY_VERIFY(fake.sockets->queryCount() >= 3);

        monitor->pause();
        QVERIFY(monitor->isPaused());
        QCOMPARE(toString(monitor->state()), toString(MonitorState::Paused));
        QCOMPARE(statesOf(states).constLast(), toString(MonitorState::Paused));
        QVERIFY(syncWithWorker(*monitor)); // a tick already under way when pause() was called has finished
        const int paused = fake.sockets->queryCount();
        monitor->pollNow();
        // Several intervals: asserting that nothing happens needs a plain wait.
        QTest::qWait(4 * Config::minIntervalMs);
        QCOMPARE(fake.sockets->queryCount(), paused);
        QCOMPARE(toString(monitor->state()), toString(MonitorState::Paused));

        // With a long interval, only an immediate poll can explain the next query.
        monitor->setConfig(watching(QStringLiteral("tcp/80"), manualIntervalMs));
        QCOMPARE(toString(monitor->state()), toString(MonitorState::Paused));
        monitor->resume();
        QVERIFY(!monitor->isPaused());
        QTRY_COMPARE_WITH_TIMEOUT(fake.sockets->queryCount(), paused + 1, 2000);
        QCOMPARE(toString(monitor->state()), toString(MonitorState::Clear));
        QCOMPARE(statesOf(states).constLast(), toString(MonitorState::Clear));
    }

    void ownersResolvedOnlyForNewSockets()
    {
        FakePlatform fake;
        fake.processes->setOwners(10, {makeProcess(80, "/usr/sbin/nginx")});
        fake.sockets->addSocket(makeSocket(Protocol::Tcp, 80, 10));
        fake.sockets->addSocket(makeSocket(Protocol::Tcp, 9999, 99)); // not watched: never resolved
        auto monitor = makeMonitor(fake);
        monitor->setConfig(watching(QStringLiteral("tcp/80-81")));
        monitor->start();
        QTRY_COMPARE(monitor->listeners().size(), 1);
        for (int i = 0; i < 3; ++i) {
            const int before = fake.processes->resolveCalls();
            monitor->pollNow();
            QTRY_COMPARE(fake.processes->resolveCalls(), before + 1);
        }
        // Each poll confirms exactly the current watched sockets; only the first time was a search.
        QCOMPARE(fake.processes->requestedInodes(), (std::vector<std::uint64_t>{10, 10, 10, 10}));
        QCOMPARE(fake.processes->searchedInodes(), std::vector<std::uint64_t>{10});

        fake.processes->setOwners(11, {makeProcess(81, "/usr/bin/nc")});
        fake.sockets->addSocket(makeSocket(Protocol::Tcp, 81, 11));
        monitor->pollNow();
        QTRY_COMPARE(monitor->listeners().size(), 2);
        QCOMPARE(fake.processes->searchedInodes(), (std::vector<std::uint64_t>{10, 11}));
        QCOMPARE(fake.processes->cacheClears(), 0);

        // Nothing on the watched ports: the resolver is not asked at all.
        fake.sockets->removeSocket(10);
        fake.sockets->removeSocket(11);
        monitor->pollNow();
        QTRY_VERIFY(monitor->listeners().isEmpty());
        const int calls = fake.processes->resolveCalls();
        const int queries = fake.sockets->queryCount();
        monitor->pollNow();
        QTRY_COMPARE(fake.sockets->queryCount(), queries + 1);
        // The poll after that finds a socket again; of the two, only it may ask the resolver.
        fake.sockets->addSocket(makeSocket(Protocol::Tcp, 80, 12));
        monitor->pollNow();
        QTRY_COMPARE(monitor->listeners().size(), 1);
        QCOMPARE(fake.processes->resolveCalls(), calls + 1);
    }

    // A known socket taken over by another program (fd passing, exec) is a new holder for the user.
    void ownerChangeOfKnownSocket()
    {
        FakePlatform fake;
        fake.processes->setOwners(20, {makeProcess(90, "/usr/sbin/nginx")});
        fake.sockets->addSocket(makeSocket(Protocol::Tcp, 80, 20));
        auto monitor = makeMonitor(fake);
        monitor->setConfig(watching(QStringLiteral("tcp/80"), manualIntervalMs, {allow("/usr/sbin/nginx")}));
        monitor->start();
        QTRY_COMPARE(toString(monitor->state()), toString(MonitorState::Clear));
        const QDateTime firstSeen = monitor->listeners().front().firstSeen;
        QSignalSpy appeared(monitor.get(), &Monitor::appeared);
        QSignalSpy vanished(monitor.get(), &Monitor::vanished);
        QSignalSpy updated(monitor.get(), &Monitor::updated);

        // A forked child of the same program takes over: no event, but the new pid is reported.
        fake.processes->setOwners(20, {makeProcess(91, "/usr/sbin/nginx")});
        monitor->pollNow();
        QTRY_COMPARE(updated.size(), 1);
        QCOMPARE(monitor->listeners().front().listener.owners.front().pid, 91);
        QCOMPARE(monitor->listeners().front().firstSeen, firstSeen);
        QVERIFY(appeared.isEmpty());
        QVERIFY(vanished.isEmpty());

        fake.processes->setOwners(20, {makeProcess(91, "/usr/bin/python3")});
        monitor->pollNow();
        QTRY_COMPARE(toString(monitor->state()), toString(MonitorState::Alert));
        QCOMPARE(vanished.size(), 1);
        QCOMPARE(QString::fromStdString(listenerAt(vanished, 0).listener.owners.front().exe),
                 QStringLiteral("/usr/sbin/nginx"));
        QCOMPARE(appeared.size(), 1);
        QCOMPARE(QString::fromStdString(listenerAt(appeared, 0).listener.owners.front().exe),
                 QStringLiteral("/usr/bin/python3"));
        QCOMPARE(listenerAt(appeared, 0).verdict, Verdict::Unexpected);
    }

    void watchedChangeRequeries()
    {
        FakePlatform fake;
        fake.processes->setOwners(30, {makeProcess(100, "/usr/bin/a")});
        fake.processes->setOwners(31, {makeProcess(101, "/usr/bin/b")});
        fake.sockets->setSockets({makeSocket(Protocol::Tcp, 8080, 30), makeSocket(Protocol::Udp, 9090, 31)});
        auto monitor = makeMonitor(fake);
        monitor->setConfig(watching(QStringLiteral("tcp/8080")));
        monitor->start();
        QTRY_COMPARE(monitor->listeners().size(), 1);
        QSignalSpy appeared(monitor.get(), &Monitor::appeared);
        QSignalSpy vanished(monitor.get(), &Monitor::vanished);
        const int queries = fake.sockets->queryCount();

        monitor->setConfig(watching(QStringLiteral("udp/9090")));
        // The listener on the port no longer watched leaves at once.
        QCOMPARE(vanished.size(), 1);
        QVERIFY(monitor->listeners().isEmpty());
        QTRY_COMPARE(appeared.size(), 1);
        QCOMPARE(fake.sockets->queryCount(), queries + 1);
        QCOMPARE(monitor->listeners().size(), 1);
        QCOMPARE(monitor->listeners().front().listener.socket.inode, quint64(31));
        const platform::SocketQuery expected{{{Protocol::Udp, {9090, 9090}}}};
        QVERIFY(fake.sockets->lastQuery()->items == expected.items);
    }

    void queryCoversExactlyTheWatchedSpecs()
    {
        FakePlatform fake;
        fake.sockets->setFiltering(false); // a backend that returns everything: the monitor must filter
        fake.sockets->setSockets({makeSocket(Protocol::Tcp, 80, 1), makeSocket(Protocol::Tcp, 8080, 2),
                                  makeSocket(Protocol::Udp, 80, 3), makeSocket(Protocol::Udp, 53, 4),
                                  makeSocket(Protocol::Tcp, 8100, 5), makeSocket(Protocol::Tcp, 8101, 6)});
        auto monitor = makeMonitor(fake);
        Config config = watching(QStringLiteral("tcp/80, udp/53, tcp/8000-8099, tcp/8100"));
        monitor->setConfig(config);
        monitor->start();
        QTRY_COMPARE(fake.sockets->queryCount(), 1);
        const platform::SocketQuery expected{{{Protocol::Tcp, {80, 80}},
                                              {Protocol::Tcp, {8000, 8100}},
                                              {Protocol::Udp, {53, 53}}}};
        QVERIFY(fake.sockets->lastQuery()->items == expected.items);
        QTRY_COMPARE(monitor->listeners().size(), 4);
        QList<quint64> inodes;
        for (const auto &listener : monitor->listeners())
            inodes.append(listener.listener.socket.inode);
        // Sorted by protocol, then port; udp/80 and tcp/8101 are not watched.
        QCOMPARE(inodes, (QList<quint64>{1, 2, 5, 4}));

        // Nothing watched: the platform is not asked (an empty query would mean "everything").
        monitor->setConfig(watching(QString()));
        monitor->pollNow();
        QVERIFY(syncWithWorker(*monitor));
        QCOMPARE(fake.sockets->queryCount(), 1);
        QTRY_COMPARE(monitor->stateReason(), QStringLiteral("No ports are watched"));
        QCOMPARE(toString(monitor->state()), toString(MonitorState::Clear));
    }

    void initialPollIsTheBaseline()
    {
        FakePlatform fake;
        fake.processes->setOwners(40, {makeProcess(110, "/usr/bin/old")});
        fake.sockets->addSocket(makeSocket(Protocol::Tcp, 3000, 40));
        auto monitor = makeMonitor(fake);
        QList<bool> initial;
        connect(monitor.get(), &Monitor::appeared, this, [&] { initial.append(monitor->isInitialPoll()); });
        monitor->setConfig(watching(QStringLiteral("3000-3001")));
        QVERIFY(monitor->isInitialPoll());
        monitor->start();
        QTRY_COMPARE(initial.size(), 1);
        QVERIFY(!monitor->isInitialPoll());

        fake.processes->setOwners(41, {makeProcess(111, "/usr/bin/new")});
        fake.sockets->addSocket(makeSocket(Protocol::Tcp, 3001, 41));
        monitor->pollNow();
        QTRY_COMPARE(initial, (QList<bool>{true, false}));
    }

    void intervalChangeAppliesAtOnce()
    {
        FakePlatform fake;
        auto monitor = makeMonitor(fake);
        monitor->setConfig(watching(QStringLiteral("tcp/80")));
        monitor->start();
        QTRY_COMPARE(fake.sockets->queryCount(), 1);
        // With the maximum interval nothing but the new, short one can bring more queries.
        monitor->setConfig(watching(QStringLiteral("tcp/80"), Config::minIntervalMs));
        QTRY_VERIFY(fake.sockets->queryCount() >= 3);
    }

    // End to end with the real platform layer: our own listening socket is found, with us as owner.
    void realPlatformFindsOwnListener()
    {
        LoopbackListener socket;
        const quint64 inode = socket.inode();
        QVERIFY(socket.port() != 0 && inode != 0);
        Monitor monitor(platform::makeSocketTable(), platform::makeProcessResolver());
        // Other programs (parallel tests) may listen on the same port number in another family:
        // only our socket counts.
        QList<WatchedListener> appeared;
        QList<WatchedListener> vanished;
        connect(&monitor, &Monitor::appeared, this, [&](const WatchedListener &l) {
            if (l.listener.socket.inode == inode)
                appeared.append(l);
        });
        connect(&monitor, &Monitor::vanished, this, [&](const WatchedListener &l) {
            if (l.listener.socket.inode == inode)
                vanished.append(l);
        });
        monitor.setConfig(watching(QStringLiteral("tcp/%1").arg(socket.port())));
        monitor.start();
        QTRY_VERIFY(!appeared.isEmpty());
        const WatchedListener found = appeared.constFirst();
        QCOMPARE(found.listener.socket.port, socket.port());
        QCOMPARE(found.listener.socket.address, std::string("127.0.0.1"));
        QCOMPARE(found.listener.owners.size(), std::size_t(1));
        QCOMPARE(found.listener.owners.front().pid, platform::currentProcessId());
        QCOMPARE(found.verdict, Verdict::Unexpected);
        QCOMPARE(toString(monitor.state()), toString(MonitorState::Alert));

        socket.close();
        monitor.pollNow();
        QTRY_COMPARE(vanished.size(), 1);
        QCOMPARE(appeared.size(), 1);
    }

    void destructorWhilePollingIsClean()
    {
        FakePlatform fake;
        fake.sockets->setDelay(std::chrono::milliseconds(400));
        auto monitor = makeMonitor(fake);
        monitor->setConfig(watching(QStringLiteral("tcp/80"), Config::minIntervalMs));
        monitor->start();
        QTRY_VERIFY(fake.sockets->isQueryRunning());
        monitor.reset();
        // The destructor waited for the query and the worker released the platform objects.
        QVERIFY(!fake.sockets->isQueryRunning());
        QVERIFY(*fake.socketTableReleased);
        QVERIFY(*fake.resolverReleased);
        const int queries = fake.sockets->queryCount();
        QTest::qWait(2 * Config::minIntervalMs);
        QCOMPARE(fake.sockets->queryCount(), queries);
    }

    void destructorBeforeStart()
    {
        FakePlatform fake;
        {
            Monitor monitor(fake.socketTable(), fake.resolver());
            monitor.setConfig(watching(QStringLiteral("tcp/80")));
        }
        QVERIFY(*fake.socketTableReleased);
        QCOMPARE(fake.sockets->queryCount(), 0);
    }

    void stateNames()
    {
        QCOMPARE(toString(MonitorState::Starting), QStringLiteral("starting"));
        QCOMPARE(toString(MonitorState::Clear), QStringLiteral("clear"));
        QCOMPARE(toString(MonitorState::Alert), QStringLiteral("alert"));
        QCOMPARE(toString(MonitorState::Paused), QStringLiteral("paused"));
        QCOMPARE(toString(MonitorState::Degraded), QStringLiteral("degraded"));
    }
};

QTEST_GUILESS_MAIN(TestMonitor)
#include "tst_monitor.moc"

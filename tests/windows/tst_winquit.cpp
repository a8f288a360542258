// Quit requests on Windows: a console Ctrl+C reaches the installed callback on a thread of its own,
// and a second installation replaces the callback instead of adding another handler.
#include "platform/quitrequests.h"

#include <QTest>

#include <windows.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>

using namespace portwatch::platform;

namespace {

bool underWine()
{
    return ::GetProcAddress(::GetModuleHandleW(L"ntdll.dll"), "wine_get_version") != nullptr;
}

} // namespace

class TestWinQuit : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void ctrlCReachesTheCallback()
    {
        // The test needs a console of its own to send Ctrl+C to (ctest gives it none).
        ::FreeConsole();
        QVERIFY(::AllocConsole());
        std::mutex mutex;
        std::string what;
        std::thread::id thread;
        std::atomic<int> calls = 0;
        std::atomic<int> oldCalls = 0;
        std::string error;
        QVERIFY2(installQuitHandler([&oldCalls](const std::string &) { ++oldCalls; }, &error), error.c_str());
        QVERIFY2(installQuitHandler(
                     [&](const std::string &name) {
                         const std::lock_guard lock(mutex);
                         what = name;
                         thread = std::this_thread::get_id();
                         ++calls;
                     },
                     &error),
                 error.c_str());
        QVERIFY(::GenerateConsoleCtrlEvent(CTRL_C_EVENT, 0));
        const bool arrived = QTest::qWaitFor([&calls] { return calls > 0; }, 10000);
        if (!arrived && underWine())
            QSKIP("Wine 8 did not deliver CTRL_C_EVENT to this console; checked on Windows only");
        QCOMPARE(calls.load(), 1);
        QCOMPARE(oldCalls.load(), 0);
        const std::lock_guard lock(mutex);
        QCOMPARE(what, std::string("Ctrl+C"));
        QVERIFY(thread != std::this_thread::get_id());
    }
};

QTEST_GUILESS_MAIN(TestWinQuit)
#include "tst_winquit.moc"

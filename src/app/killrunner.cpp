// Running kills off the GUI thread: see killrunner.h.
#include "killrunner.h"

#include <QMetaObject>
#include <QRunnable>

#include <utility>

namespace portwatch {

KillRunner::KillRunner(std::unique_ptr<platform::ProcessControl> control, QObject *parent)
    : QObject(parent)
    , m_control(std::move(control))
{
    // One at a time: kills of several owners must see each other's effect on the port, and the
    // platform's process control is not promised to be thread-safe.
    m_pool.setMaxThreadCount(1);
    m_pool.setObjectName(QStringLiteral("portwatch-kill"));
}

KillRunner::~KillRunner()
{
    m_pool.waitForDone();
}

void KillRunner::run(std::vector<platform::KillTarget> targets, Done done)
{
    platform::ProcessControl *control = m_control.get();
    const std::chrono::milliseconds grace = m_grace;
    m_pool.start(QRunnable::create([this, control, grace, targets = std::move(targets), done = std::move(done)]() mutable {
        std::vector<platform::TerminateResult> results;
        results.reserve(targets.size());
        for (const platform::KillTarget &target : targets)
            results.push_back(control->terminate(target, grace));
        // Queued to this object: if it is destroyed first (after waiting for us), the call is dropped.
        QMetaObject::invokeMethod(
            this, [done = std::move(done), results = std::move(results)]() mutable { done(std::move(results)); },
            Qt::QueuedConnection);
    }));
}

} // namespace portwatch

// Runs ProcessControl::terminate off the GUI thread, one kill at a time (a kill blocks for up to
// the grace period, and process control implementations need not be thread-safe), and hands the
// results back on the thread that owns the runner.
#pragma once

#include "platform/processcontrol.h"

#include <QObject>
#include <QThreadPool>

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

namespace portwatch {

class KillRunner final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(KillRunner)
public:
    using Done = std::function<void(std::vector<platform::TerminateResult> results)>;

    explicit KillRunner(std::unique_ptr<platform::ProcessControl> control, QObject *parent = nullptr);
    ~KillRunner() override; // waits for a kill in progress to finish

    void setGrace(std::chrono::milliseconds grace) noexcept { m_grace = grace; }
    std::chrono::milliseconds grace() const noexcept { return m_grace; }

    // Terminates the targets one after another on the worker thread; `done` runs on this object's
    // thread with one result per target, in order. Nothing runs when the runner is gone by then.
    void run(std::vector<platform::KillTarget> targets, Done done);

private:
    std::unique_ptr<platform::ProcessControl> m_control;
    std::chrono::milliseconds m_grace = platform::defaultGrace;
    QThreadPool m_pool;
};

} // namespace portwatch

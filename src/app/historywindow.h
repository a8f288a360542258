// The status and history window (a left click on the tray icon opens it). "Now": who holds which
// watched port, with Kill / Whitelist. "History": every event, newest first, filtered by text and kind,
// exportable (the filtered rows) to CSV or JSON.
#pragma once

#include "core/history.h"
#include "core/monitor.h"

#include <QList>
#include <QWidget>

#include <memory>

namespace Ui {
class HistoryWindow;
}

namespace portwatch {

class HistoryFilter;
class HistoryModel;

class HistoryWindow final : public QWidget
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(HistoryWindow)
public:
    enum class Tab { Now, History };
    enum class ExportFormat { Csv, Json };

    // history may be null (nothing recorded); it must outlive the window otherwise.
    explicit HistoryWindow(History *history, QWidget *parent = nullptr);
    ~HistoryWindow() override;

    // Reloads the events from the History (call after appending, or let showEvent do it).
    void refresh();
    void setCurrentListeners(const QList<WatchedListener> &listeners);
    // The monitor's state in words above the "Now" table.
    void setStatus(MonitorState state, const QString &reason);
    void showTab(Tab tab);
    Tab currentTab() const;

    // The events the history table shows now, in its order (what an export writes).
    QList<HistoryEvent> visibleEvents() const;
    // Writes visibleEvents() to path; the outcome is shown in the window. Used after the file dialog.
    bool exportTo(ExportFormat format, const QString &path);

Q_SIGNALS:
    void killRequested(const portwatch::WatchedListener &listener);
    void whitelistRequested(const portwatch::WatchedListener &listener);

protected:
    void showEvent(QShowEvent *event) override;

private:
    void chooseExportFile(ExportFormat format);
    void updateCount();
    void updateSummary();
    void updateNowButtons();
    int selectedListener() const;

    const std::unique_ptr<Ui::HistoryWindow> m_ui;
    History *m_history;
    HistoryModel *m_model;
    HistoryFilter *m_filter;
    QList<WatchedListener> m_listeners;
    MonitorState m_state = MonitorState::Starting;
    QString m_reason;
    bool m_haveStatus = false;
};

} // namespace portwatch

// Helpers for the dialog tests: listeners to show, and ways to reach a window-modal child dialog and
// the real controls inside a form.
#pragma once

#include "core/monitor.h"

#include <QAbstractButton>
#include <QAbstractItemView>
#include <QApplication>
#include <QDateTime>
#include <QTest>
#include <QWidget>

#include <string>
#include <vector>

namespace portwatch::testutil {

inline platform::ProcessInfo process(int pid, const std::string &name, const std::string &exe,
                                     const std::string &user = "alice", std::uint32_t uid = 1000)
{
    platform::ProcessInfo info;
    info.pid = pid;
    info.name = name;
    info.exe = exe;
    info.cmdline = {exe, "--port", "8080"};
    info.uid = uid;
    info.user = user;
    info.startTicks = 12345;
    info.startTimeMs = QDateTime(QDate(2026, 11, 25), QTime(9, 30), Qt::UTC).toMSecsSinceEpoch();
    return info;
}

inline WatchedListener listener(platform::Protocol protocol, std::uint16_t port,
                                std::vector<platform::ProcessInfo> owners,
                                Verdict verdict = Verdict::Unexpected,
                                platform::Family family = platform::Family::IPv4)
{
    WatchedListener watched;
    watched.listener.socket.protocol = protocol;
    watched.listener.socket.family = family;
    watched.listener.socket.address = family == platform::Family::IPv4 ? "0.0.0.0" : "::";
    watched.listener.socket.port = port;
    watched.listener.socket.inode = 100000u + port + (family == platform::Family::IPv6 ? 50000u : 0u);
    watched.listener.socket.uid = owners.empty() ? 33 : owners.front().uid;
    watched.listener.user = owners.empty() ? "www-data" : owners.front().user;
    watched.listener.ownersVisible = !owners.empty();
    watched.listener.owners = std::move(owners);
    watched.verdict = verdict;
    watched.firstSeen = QDateTime(QDate(2026, 11, 25), QTime(10, 0), Qt::UTC);
    return watched;
}

// A child of parent of type T (a dialog opened with open()), once it is visible.
template<typename T>
T *waitForChild(QWidget *parent)
{
    T *child = nullptr;
    const bool found = QTest::qWaitFor([&] {
        child = parent->findChild<T *>();
        return child && child->isVisible();
    });
    return found ? child : nullptr;
}

// A named widget of type T inside root; fails the test when it is missing.
template<typename T>
T *control(QWidget *root, const char *name)
{
    const QList<T *> widgets = root->findChildren<T *>(QString::fromLatin1(name));
    if (widgets.size() != 1)
        qFatal("%d widgets of type %s named %s", int(widgets.size()), T::staticMetaObject.className(), name);
    return widgets.constFirst();
}

// Clicks a check box on its indicator (its middle may lie beyond the text, where a click does nothing).
inline void toggle(QAbstractButton *box)
{
    QTest::mouseClick(box, Qt::LeftButton, {}, QPoint(box->height() / 2, box->height() / 2));
}

// Clicks the cell, as a user selects a row.
inline void clickCell(QAbstractItemView *view, int row, int column = 0)
{
    const QModelIndex index = view->model()->index(row, column);
    view->scrollTo(index);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, view->visualRect(index).center());
}

// Replaces a line edit's text by typing, as a user does.
template<typename Edit>
void retype(Edit *edit, const QString &text)
{
    edit->setFocus();
    edit->selectAll();
    QTest::keyClick(edit, Qt::Key_Delete);
    QTest::keyClicks(edit, text);
}

} // namespace portwatch::testutil

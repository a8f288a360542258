// Helpers for the tests that drive the tray menu: its actions are found by object name, as a user
// finds them by their place, and the listener entries are the actions named "listener".
#pragma once

#include <QAction>
#include <QList>
#include <QMenu>
#include <QString>

namespace portwatch::testutil {

inline QAction *findAction(const QMenu *menu, const QString &objectName)
{
    const QList<QAction *> actions = menu->actions();
    for (QAction *action : actions) {
        if (action->objectName() == objectName)
            return action;
    }
    return nullptr;
}

inline QList<QAction *> listenerEntries(const QMenu *menu)
{
    QList<QAction *> result;
    const QList<QAction *> actions = menu->actions();
    for (QAction *action : actions) {
        if (action->objectName() == QLatin1String("listener"))
            result << action;
    }
    return result;
}

// The submenu of the first listener entry; null when the menu has none.
inline QMenu *firstListenerMenu(const QMenu *menu)
{
    const QList<QAction *> entries = listenerEntries(menu);
    return entries.isEmpty() ? nullptr : entries.constFirst()->menu();
}

} // namespace portwatch::testutil

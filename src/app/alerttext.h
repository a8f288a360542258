// The words of Portwatch's notifications: what an alert, a burst summary and a kill outcome say.
// Kept apart from the logic that decides when to show them, so both stay readable and testable. Ports,
// addresses and owners are worded by listenertext, like everywhere else.
#pragma once

#include "core/monitor.h"
#include "floodcontrol.h"
#include "notifier.h"
#include "platform/processcontrol.h"

#include <QList>
#include <QString>

#include <vector>

namespace portwatch::alerttext {

// An unexpected listener (or several sockets of one program on one port), with Kill and Whitelist.
// `repeats` > 1 says the program bound the port again within the cooldown; the body for servers
// without buttons says where to act.
Notification alert(const QList<WatchedListener> &listeners, int repeats);

// One line per listener, a click opens the history.
Notification summary(const QList<WatchedListener> &listeners);
// A summary that outlived some of its listeners (steady churn): how many ports were taken and by
// which programs (`taken`, every group it took in), then the listeners still there. The same as
// summary(listeners) while every group it took in is still there.
Notification summary(const QList<WatchedListener> &listeners, const QList<AlertGroup> &taken);

// What a kill achieved, one result per owner that was signalled: each result's own message (or
// killFact() where it has none), then killAdvice() for the result that matters most.
Notification killOutcome(const WatchedListener &listener, const std::vector<platform::TerminateResult> &results);
// What happened, for a result without a message of its own: "Ended nc; tcp/8080 is free now."
QString killFact(const WatchedListener &listener, const platform::TerminateResult &result);
// What the user can still do, without repeating what happened ("To end it as root: sudo portwatch-cli
// kill tcp/80"); empty when there is nothing to do (released, already gone).
QString killAdvice(const WatchedListener &listener, const platform::TerminateResult &result);

} // namespace portwatch::alerttext

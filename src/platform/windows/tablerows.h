// The rows of the IP Helper tables (GetExtendedTcpTable / GetExtendedUdpTable with owner PIDs) as
// SocketEntry values, filtered by the query. Kept apart from the calls so that tests can feed
// recorded tables: what Wine cannot produce (an IPv6 owner PID, PID 4) is checked that way.
#pragma once

#include "platform/types.h"

#include <winsock2.h>
#include <ws2tcpip.h>
#include <iphlpapi.h>

#include <vector>

namespace portwatch::platform::win {

// Appends the rows the query wants. The TCP tables must be LISTENER tables (only listening rows).
void appendRows(const MIB_TCPTABLE_OWNER_PID &table, const SocketQuery &query, std::vector<SocketEntry> &out);
void appendRows(const MIB_TCP6TABLE_OWNER_PID &table, const SocketQuery &query, std::vector<SocketEntry> &out);
void appendRows(const MIB_UDPTABLE_OWNER_PID &table, const SocketQuery &query, std::vector<SocketEntry> &out);
void appendRows(const MIB_UDP6TABLE_OWNER_PID &table, const SocketQuery &query, std::vector<SocketEntry> &out);

} // namespace portwatch::platform::win

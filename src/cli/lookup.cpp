// Port spec arguments and the one-shot lookup shared by who, kill and check.
#include "commands.h"
#include "output.h"

#include "platform/processes.h"

#include <algorithm>
#include <tuple>

namespace portwatch::cli {

std::optional<QList<PortSpec>> parseSpecs(const QStringList &arguments)
{
    QList<PortSpec> specs;
    for (const QString &argument : arguments) {
        QString error;
        const auto spec = PortSpec::parse(argument, &error);
        if (!spec) {
            err(QStringLiteral("portwatch-cli: bad port spec: %1\n").arg(error));
            return std::nullopt;
        }
        specs.append(*spec);
    }
    return specs;
}

QString specsSummary(const QList<PortSpec> &specs)
{
    constexpr qsizetype shown = 3;
    QStringList items;
    for (const PortSpec &spec : specs) {
        for (const PortSpecItem &item : spec.items())
            items << item.toString();
    }
    if (items.size() <= shown + 1)
        return items.join(QLatin1String(", "));
    return QStringLiteral("%1 and %2 more").arg(items.mid(0, shown).join(QLatin1String(", "))).arg(items.size() - shown);
}

std::optional<QList<platform::Listener>> lookup(const QList<PortSpec> &specs, const CommonOptions &common)
{
    const auto table = platform::makeSocketTable(common.backend);
    const platform::SocketQuery query = specs.isEmpty() ? platform::SocketQuery{} : socketQueryFor(specs);
    platform::SocketList found = table->query(query);
    if (!found.ok()) {
        err(QStringLiteral("portwatch-cli: cannot read the socket table (%1): %2\n")
                .arg(QString::fromStdString(table->backendName()), QString::fromStdString(found.error)));
        return std::nullopt;
    }
    // The kernel filter is by port only; a spec like udp/53 must not report tcp/53.
    if (!specs.isEmpty()) {
        std::erase_if(found.sockets, [&specs](const platform::SocketEntry &socket) {
            return std::none_of(specs.begin(), specs.end(),
                                [&socket](const PortSpec &spec) { return spec.matches(socket.protocol, socket.port); });
        });
    }
    std::sort(found.sockets.begin(), found.sockets.end(), [](const platform::SocketEntry &a, const platform::SocketEntry &b) {
        return std::tie(a.protocol, a.port, a.family, a.address, a.inode)
             < std::tie(b.protocol, b.port, b.family, b.address, b.inode);
    });
    const auto resolver = platform::makeProcessResolver(common.thorough ? platform::ResolveMode::Thorough : platform::ResolveMode::Fast);
    const std::vector<platform::Listener> listeners = resolver->resolve(found.sockets);
    return QList<platform::Listener>(listeners.begin(), listeners.end());
}

} // namespace portwatch::cli

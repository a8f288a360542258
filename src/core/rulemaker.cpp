// Rule making from listeners: see rulemaker.h.
#include "rulemaker.h"

#include <QFileInfo>
#include <QHash>

#include <algorithm>

namespace portwatch::rulemaker {
namespace {

// How an interpreter reads its options: which take a value in the next argument, and which end the
// options by naming what runs (their value is the module, archive or code, and is part of the glob).
struct OptionTable {
    QStringList withValue;
    QStringList naming;
};

const QHash<QString, OptionTable> &optionTables()
{
    static const QHash<QString, OptionTable> tables{
        {QStringLiteral("python"), {{"-W", "-X", "-Q"}, {"-m", "-c"}}},
        {QStringLiteral("node"), {{"-r", "--require", "--loader", "--import"}, {"-e", "--eval", "-p", "--print"}}},
        {QStringLiteral("nodejs"), {{"-r", "--require", "--loader", "--import"}, {"-e", "--eval", "-p", "--print"}}},
        {QStringLiteral("ruby"), {{"-I", "-r", "-C", "-E"}, {"-e"}}},
        {QStringLiteral("perl"), {{"-I", "-M", "-m"}, {"-e", "-E"}}},
        {QStringLiteral("java"),
         {{"-cp", "-classpath", "--class-path", "-p", "--module-path", "--add-modules"}, {"-jar", "-m", "--module"}}},
        {QStringLiteral("php"), {{"-c", "-d", "-z", "-t"}, {"-f", "-r", "-S"}}},
        {QStringLiteral("bash"), {{"-o", "-O", "--rcfile", "--init-file"}, {"-c"}}},
    };
    return tables;
}

QString escapeGlob(const QString &text)
{
    QString escaped;
    escaped.reserve(text.size());
    for (const QChar c : text) {
        if (c == QLatin1Char('*') || c == QLatin1Char('?') || c == QLatin1Char('\\'))
            escaped += QLatin1Char('\\');
        escaped += c;
    }
    return escaped;
}

QString userOf(const std::string &name, std::uint32_t uid)
{
    return name.empty() ? QString::number(uid) : QString::fromStdString(name);
}

} // namespace

const QStringList &builtinInterpreters()
{
    static const QStringList names{QStringLiteral("python"), QStringLiteral("node"), QStringLiteral("nodejs"),
                                   QStringLiteral("ruby"),   QStringLiteral("perl"), QStringLiteral("java"),
                                   QStringLiteral("php"),    QStringLiteral("bash")};
    return names;
}

QString programFamily(const QString &exe)
{
    QString name = QFileInfo(exe).fileName();
    qsizetype end = name.size();
    while (end > 0) {
        const QChar c = name.at(end - 1);
        if (!c.isDigit() && c != QLatin1Char('.') && c != QLatin1Char('-') && c != QLatin1Char('_'))
            break;
        --end;
    }
    // A name that is all version ("2to3" keeps its letters) stays as it is.
    return end == 0 ? name : name.left(end);
}

bool isInterpreter(const QString &exe, const QStringList &extra)
{
    const QString family = programFamily(exe);
    const QString fileName = QFileInfo(exe).fileName();
    return builtinInterpreters().contains(family) || extra.contains(family) || extra.contains(fileName);
}

QString scriptGlob(const QString &exe, const std::vector<std::string> &cmdline)
{
    const OptionTable table = optionTables().value(programFamily(exe));
    QStringList prefix;
    bool named = false;
    for (std::size_t i = 1; i < cmdline.size() && !named; ++i) {
        const QString argument = QString::fromStdString(cmdline[i]);
        prefix << argument;
        if (argument == QLatin1String("--")) {
            // The script follows the end of the options.
            if (i + 1 < cmdline.size())
                prefix << QString::fromStdString(cmdline[++i]);
            named = true;
        } else if (!argument.startsWith(QLatin1Char('-')) || argument == QLatin1String("-")) {
            named = true;
        } else if (table.naming.contains(argument)) {
            if (i + 1 < cmdline.size())
                prefix << QString::fromStdString(cmdline[++i]);
            named = true;
        } else if (table.withValue.contains(argument) && i + 1 < cmdline.size()) {
            prefix << QString::fromStdString(cmdline[++i]);
        } else if (argument.size() > 2 && !argument.startsWith(QLatin1String("--"))
                   && table.naming.contains(argument.left(2))) {
            named = true; // "-mhttp.server", "-cprint(1)": the value stuck to its option
        }
    }
    const QString line = escapeGlob(prefix.join(QLatin1Char(' ')));
    if (!named)
        return line; // a bare interpreter, or options only: exactly that
    return line + QStringLiteral(" *");
}

WhitelistRule forHidden(const platform::Listener &listener)
{
    WhitelistRule rule;
    rule.user = userOf(listener.user, listener.socket.uid);
    rule.ports = PortSpec::single(listener.socket.protocol, listener.socket.port);
    return rule;
}

WhitelistRule forOwner(const platform::SocketEntry &socket, const platform::ProcessInfo &owner,
                       const QStringList &interpreters)
{
    WhitelistRule rule;
    rule.user = userOf(owner.user, owner.uid);
    rule.ports = PortSpec::single(socket.protocol, socket.port);
    if (owner.exe.empty())
        return rule; // as for a hidden owner: the user and port are all that is known
    rule.exe = QString::fromStdString(owner.exe);
    static const QString deletedSuffix = QStringLiteral(" (deleted)");
    if (rule.exe.endsWith(deletedSuffix))
        rule.exe.chop(deletedSuffix.size());
    if (isInterpreter(rule.exe, interpreters) && !owner.cmdline.empty())
        rule.args = scriptGlob(rule.exe, owner.cmdline);
    return rule;
}

QList<WhitelistRule> forListener(const platform::Listener &listener, const Whitelist &current,
                                 const QStringList &interpreters)
{
    QList<WhitelistRule> rules;
    if (listener.owners.empty()) {
        const WhitelistRule rule = forHidden(listener);
        const bool trusted = std::any_of(current.rules().cbegin(), current.rules().cend(),
                                         [&](const WhitelistRule &r) { return r.matchesHidden(listener); });
        if (!trusted)
            rules.append(rule);
        return rules;
    }
    for (const platform::ProcessInfo &owner : listener.owners) {
        if (current.allows(listener.socket, owner))
            continue;
        const WhitelistRule rule = forOwner(listener.socket, owner, interpreters);
        if (!rules.contains(rule))
            rules.append(rule);
    }
    return rules;
}

} // namespace portwatch::rulemaker

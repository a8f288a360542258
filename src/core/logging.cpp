// Logging setup: see logging.h.
#include "logging.h"

#include <QByteArray>
#include <QDir>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QtGlobal>

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <memory>
#include <utility>
#include <vector>

namespace portwatch::logging {
namespace {

constexpr std::array<std::pair<const char *, spdlog::level::level_enum>, 8> levels{{
    {"trace", spdlog::level::trace},
    {"debug", spdlog::level::debug},
    {"info", spdlog::level::info},
    {"warn", spdlog::level::warn},
    {"warning", spdlog::level::warn},
    {"error", spdlog::level::err},
    {"critical", spdlog::level::critical},
    {"off", spdlog::level::off},
}};

constexpr std::size_t maxLogFileBytes = 1024 * 1024;
constexpr std::size_t maxLogFiles = 3;

void qtMessageHandler(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    const QByteArray text = message.toUtf8();
    const char *category = context.category ? context.category : "qt";
    switch (type) {
    case QtDebugMsg:
        spdlog::debug("[{}] {}", category, text.constData());
        break;
    case QtInfoMsg:
        spdlog::info("[{}] {}", category, text.constData());
        break;
    case QtWarningMsg:
        spdlog::warn("[{}] {}", category, text.constData());
        break;
    case QtCriticalMsg:
        spdlog::error("[{}] {}", category, text.constData());
        break;
    case QtFatalMsg:
        spdlog::critical("[{}] {}", category, text.constData());
        spdlog::default_logger()->flush();
        std::abort();
    }
}

// Qt's own default filter (QT_LOGGING_RULES, qtlogging.ini, the qt.* debug default), which ours
// runs first.
std::atomic<QLoggingCategory::CategoryFilter> previousFilter{nullptr};

// A message below spdlog's level would be formatted by QDebug and then dropped by spdlog: switch the
// level off in the category instead, so that qCDebug() and friends cost one check. Never switches a
// level on that Qt's rules switched off.
void filterByLevel(QLoggingCategory *category)
{
    if (const QLoggingCategory::CategoryFilter previous = previousFilter.load())
        previous(category);
    const spdlog::level::level_enum level = spdlog::get_level();
    if (level > spdlog::level::debug)
        category->setEnabled(QtDebugMsg, false);
    if (level > spdlog::level::info)
        category->setEnabled(QtInfoMsg, false);
    if (level > spdlog::level::warn)
        category->setEnabled(QtWarningMsg, false);
    if (level > spdlog::level::err)
        category->setEnabled(QtCriticalMsg, false);
}

// Installing the filter (again) makes Qt run it over every category that exists. The first time,
// Qt runs it before we know the filter it replaces: install it once more with that one in place.
void applyLevelToCategories()
{
    const QLoggingCategory::CategoryFilter previous = QLoggingCategory::installFilter(filterByLevel);
    if (previous != filterByLevel) {
        previousFilter.store(previous);
        QLoggingCategory::installFilter(filterByLevel);
    }
}

} // namespace

std::optional<int> parseLevel(const QString &name)
{
    const QByteArray wanted = name.trimmed().toLower().toLatin1();
    for (const auto &[levelName, level] : levels) {
        if (wanted == levelName)
            return static_cast<int>(level);
    }
    return std::nullopt;
}

bool isValidLevel(const QString &name)
{
    return parseLevel(name).has_value();
}

QString setup(const Options &options)
{
    QString error;
    std::vector<spdlog::sink_ptr> sinks;
    if (options.toStderr)
        sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    if (!options.filePath.isEmpty()) {
        QDir().mkpath(QFileInfo(options.filePath).absolutePath());
        try {
            sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
                options.filePath.toStdString(), maxLogFileBytes, maxLogFiles));
        } catch (const spdlog::spdlog_ex &e) {
            error = QStringLiteral("cannot write the log file %1: %2").arg(options.filePath, QString::fromUtf8(e.what()));
        }
    }
    auto logger = std::make_shared<spdlog::logger>("portwatch", sinks.begin(), sinks.end());
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %z %^%-5l%$ %v",
                        options.utc ? spdlog::pattern_time_type::utc : spdlog::pattern_time_type::local);
    logger->flush_on(spdlog::level::warn);
    spdlog::set_default_logger(logger);
    setLevel(options.level);
    qInstallMessageHandler(qtMessageHandler);
    if (!error.isEmpty())
        spdlog::warn("{}", error.toStdString());
    return error;
}

void setLevel(const QString &level)
{
    const auto parsed = parseLevel(level);
    spdlog::set_level(parsed ? static_cast<spdlog::level::level_enum>(*parsed) : spdlog::level::info);
    applyLevelToCategories();
}

} // namespace portwatch::logging

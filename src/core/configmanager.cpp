// The live configuration: load once, save on change, and follow edits made to the file from outside.
#include "configmanager.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QTimer>

#include <spdlog/spdlog.h>

#include <utility>

namespace portwatch {
namespace {

std::optional<QByteArray> readBytes(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    return file.readAll();
}

} // namespace

ConfigManager::ConfigManager(QString path, QObject *parent)
    : QObject(parent)
    , m_path(std::move(path))
    , m_watcher(new QFileSystemWatcher(this))
    , m_debounce(new QTimer(this))
{
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(debounceMs);
    // Every event restarts the timer: the file is read once the burst is over.
    auto schedule = [this] { m_debounce->start(); };
    connect(m_watcher, &QFileSystemWatcher::fileChanged, this, schedule);
    connect(m_watcher, &QFileSystemWatcher::directoryChanged, this, schedule);
    connect(m_debounce, &QTimer::timeout, this, &ConfigManager::onFileChanged);
}

ConfigManager::~ConfigManager() = default;

ConfigLoad ConfigManager::load()
{
    // Watch first, so an edit made while we read is not lost; its event is compared against what we read.
    watch();
    ConfigLoad result = ConfigStore::load(m_path);
    m_user = result.config;
    m_config = m_system.merged(m_user, result.status == ConfigLoad::Status::Loaded);
    result.config = m_config;
    m_knownBytes = readBytes(m_path).value_or(QByteArray());
    // A broken file that could not be moved aside is still there, with the user's text in it.
    m_fileBroken = result.status == ConfigLoad::Status::Broken && QFileInfo::exists(m_path);
    watch();
    return result;
}

bool ConfigManager::update(const Config &config, QString *error)
{
    auto fail = [&](const QString &text) {
        if (error)
            *error = text;
        spdlog::warn("config: {}", text.toStdString());
        return false;
    };
    if (config == m_config)
        return true;
    // The system's watched specs and rules stay in the system file, not copied into the user's.
    const Config user = m_system.userPart(config, m_user);

    // Never write a file this Portwatch would reject when it reads it back.
    QStringList problems;
    if (!Config::fromJson(user.toJson(), &problems))
        return fail(QStringLiteral("Not saved: %1").arg(problems.join(QStringLiteral("; "))));

    if (diskHoldsUnreadableEdit()) {
        QString asideError;
        const QString aside = ConfigStore::keepAside(m_path, &asideError);
        if (aside.isEmpty()) {
            return fail(QStringLiteral("Not saved: %1 holds edits Portwatch cannot read, and they could not be moved "
                                       "aside (%2). Fix or move the file, then try again.")
                            .arg(QDir::toNativeSeparators(m_path), asideError));
        }
        m_fileBroken = false;
        Q_EMIT problem(QStringLiteral("%1 held edits Portwatch could not read; they were kept as %2 before the new "
                                      "configuration was saved.")
                           .arg(QDir::toNativeSeparators(m_path), QDir::toNativeSeparators(aside)));
    }

    QString saveError;
    if (!ConfigStore::save(m_path, user, &saveError))
        return fail(saveError);
    // Our own save raises file events too; remembering the bytes makes them no-ops.
    m_knownBytes = ConfigStore::serialize(user);
    m_user = user;
    m_config = m_system.merged(m_user, true);
    watch();
    Q_EMIT changed(m_config);
    return true;
}

bool ConfigManager::addWhitelistRule(const WhitelistRule &rule, QString *error)
{
    if (m_config.whitelist.contains(rule))
        return true;
    Config next = m_config;
    next.whitelist.append(rule);
    return update(next, error);
}

void ConfigManager::watch()
{
    const QFileInfo file(m_path);
    const QString filePath = file.absoluteFilePath();
    // Until the config directory exists, watch the closest ancestor that does, to see it appear.
    QString directoryPath = file.absolutePath();
    while (!QFileInfo(directoryPath).isDir()) {
        const QString parent = QFileInfo(directoryPath).absolutePath();
        if (parent == directoryPath)
            break;
        directoryPath = parent;
    }
    const bool directoryExists = QFileInfo(directoryPath).isDir();

    const QStringList staleDirectories = m_watcher->directories();
    for (const QString &watched : staleDirectories) {
        if (watched != directoryPath)
            m_watcher->removePath(watched);
    }
    if (directoryExists && !m_watcher->directories().contains(directoryPath))
        m_watcher->addPath(directoryPath);
    if (file.exists() && !m_watcher->files().contains(filePath))
        m_watcher->addPath(filePath);
}

bool ConfigManager::diskHoldsUnreadableEdit()
{
    if (!QFileInfo::exists(m_path))
        return false;
    if (m_fileBroken)
        return true;
    const auto bytes = readBytes(m_path);
    if (!bytes)
        return true; // cannot tell what is in it: treat it as the user's and keep it
    if (*bytes == m_knownBytes)
        return false;
    return !ConfigStore::parse(*bytes, m_path).has_value();
}

void ConfigManager::onFileChanged()
{
    watch();
    if (!QFileInfo::exists(m_path)) {
        // Deleted or moved away: keep running as configured; the next save writes the file again.
        m_knownBytes.clear();
        m_fileBroken = false;
        return;
    }
    const auto bytes = readBytes(m_path);
    if (!bytes) {
        spdlog::warn("config: cannot read {} after it changed; keeping the running configuration",
                     m_path.toStdString());
        return;
    }
    if (*bytes == m_knownBytes)
        return;
    m_knownBytes = *bytes;

    QString message;
    const auto config = ConfigStore::parse(*bytes, m_path, &message);
    if (!config) {
        m_fileBroken = true;
        const QString text = message
                             + QStringLiteral("\nPortwatch keeps running with its previous configuration until the "
                                              "file is fixed.");
        spdlog::warn("config: {}", text.toStdString());
        Q_EMIT problem(text);
        return;
    }
    m_fileBroken = false;
    m_user = *config;
    const Config merged = m_system.merged(m_user, true);
    if (merged == m_config)
        return;
    m_config = merged;
    spdlog::info("config: applied external edit of {}", m_path.toStdString());
    Q_EMIT changed(m_config);
}

} // namespace portwatch

// The live configuration: load once, save on change, and follow edits made to the file from outside.
#include "configmanager.h"

#include "safefile.h"

#include <QDir>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QTimer>

#include <spdlog/spdlog.h>

#include <utility>

namespace portwatch {
namespace {

// Over the size limit counts as read: its (empty) bytes then fail to parse, like any broken edit.
std::optional<QByteArray> readBytes(const QString &path, QString *error = nullptr)
{
    const safefile::Read file = safefile::read(path, Config::maxFileBytes);
    switch (file.status) {
    case platform::FileRead::Status::Ok:
        return file.data;
    case platform::FileRead::Status::TooLarge:
        return QByteArray();
    case platform::FileRead::Status::Missing:
    case platform::FileRead::Status::NotRegular:
    case platform::FileRead::Status::Unreadable:
        break;
    }
    if (error)
        *error = file.error;
    return std::nullopt;
}

} // namespace

ConfigManager::ConfigManager(QString path, QObject *parent, ConfigStore::BrokenFile broken)
    : QObject(parent)
    , m_path(std::move(path))
    , m_broken(broken)
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
    ConfigLoad result = ConfigStore::load(m_path, m_broken);
    m_user = result.config;
    m_config = m_system.merged(m_user, result.status == ConfigLoad::Status::Loaded);
    result.config = m_config;
    m_knownBytes = readBytes(m_path).value_or(QByteArray());
    // A broken file that could not be moved aside is still there, with the user's text in it.
    m_fileBroken = result.status == ConfigLoad::Status::Broken && QFileInfo::exists(m_path);
    m_unreadable = result.status == ConfigLoad::Status::Unreadable ? result.message : QString();
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
    if (config == m_config && !m_unsaved)
        return true;
    // The system's watched specs and rules stay in the system file, not copied into the user's.
    const Config user = m_system.userPart(config, m_user);

    // Never write a file this Portwatch would reject when it reads it back.
    QStringList problems;
    if (!Config::fromJson(user.toJson(), &problems))
        return fail(QStringLiteral("Not saved: %1").arg(problems.join(QStringLiteral("; "))));

    // The change applies to the running config even when it cannot reach the file: what the user
    // asked for (a rule whitelisted from a notification) is not lost, and the next save writes it.
    const auto keepInMemory = [&](const QString &text) {
        m_unsaved = true;
        if (config != m_config) {
            m_config = config;
            Q_EMIT changed(m_config);
        }
        return fail(text);
    };

    switch (diskState()) {
    case DiskState::Ours:
        break;
    case DiskState::Unreadable:
        return keepInMemory(QStringLiteral("Not saved: %1\nPortwatch will not replace a file it cannot read; the "
                                           "change applies until Portwatch quits. Make the file readable to save again.")
                                .arg(m_unreadable));
    case DiskState::BrokenEdit: {
        QString asideError;
        const QString aside = ConfigStore::keepAside(m_path, &asideError);
        if (aside.isEmpty()) {
            return keepInMemory(QStringLiteral("Not saved: %1 holds edits Portwatch cannot read, and they could not be "
                                               "moved aside (%2). Fix or move the file, then try again.")
                                    .arg(QDir::toNativeSeparators(m_path), asideError));
        }
        m_fileBroken = false;
        Q_EMIT problem(QStringLiteral("%1 held edits Portwatch could not read; they were kept as %2 before the new "
                                      "configuration was saved.")
                           .arg(QDir::toNativeSeparators(m_path), QDir::toNativeSeparators(aside)));
        break;
    }
    }

    QString saveError;
    if (!ConfigStore::save(m_path, user, &saveError))
        return keepInMemory(QStringLiteral("Not saved: %1").arg(saveError));
    // Our own save raises file events too; remembering the bytes makes them no-ops.
    m_knownBytes = ConfigStore::serialize(user);
    m_unsaved = false;
    m_user = user;
    watch();
    // In force: what was saved, under the system's entries (one the user removed comes back).
    const Config merged = m_system.merged(m_user, true);
    if (merged != m_config) {
        m_config = merged;
        Q_EMIT changed(m_config);
    }
    return true;
}

bool ConfigManager::addWhitelistRule(const WhitelistRule &rule, QString *error)
{
    if (m_config.whitelist.contains(rule))
        return m_unsaved ? update(m_config, error) : true; // in force already; saved only if it was
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

ConfigManager::DiskState ConfigManager::diskState()
{
    QString error;
    const auto bytes = readBytes(m_path, &error);
    if (!bytes && !QFileInfo::exists(m_path) && !QFileInfo(m_path).isSymLink()) {
        m_unreadable.clear();
        return DiskState::Ours;
    }
    if (!bytes) {
        // Cannot tell what is in it: it may be the user's good configuration, so it stays.
        m_unreadable = error;
        return DiskState::Unreadable;
    }
    m_unreadable.clear();
    if (m_fileBroken)
        return DiskState::BrokenEdit;
    if (*bytes == m_knownBytes)
        return DiskState::Ours;
    return ConfigStore::parse(*bytes, m_path).has_value() ? DiskState::Ours : DiskState::BrokenEdit;
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
    QString readError;
    const auto bytes = readBytes(m_path, &readError);
    if (!bytes) {
        m_unreadable = readError;
        spdlog::warn("config: {} after it changed; keeping the running configuration", readError.toStdString());
        return;
    }
    m_unreadable.clear();
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
    if (m_unsaved) {
        spdlog::warn("config: {} was edited while changes were waiting to be saved; the edit wins",
                     m_path.toStdString());
        m_unsaved = false;
    }
    m_user = *config;
    const Config merged = m_system.merged(m_user, true);
    if (merged == m_config)
        return;
    m_config = merged;
    spdlog::info("config: applied external edit of {}", m_path.toStdString());
    Q_EMIT changed(m_config);
}

} // namespace portwatch

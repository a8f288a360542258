// The live configuration of a running Portwatch: loads the file, saves changes atomically, and
// notices when the file is edited behind its back, so changes apply without a restart.
#pragma once

#include "config.h"

#include <QObject>
#include <QString>

class QFileSystemWatcher;

namespace portwatch {

class ConfigManager final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConfigManager)
public:
    explicit ConfigManager(QString path, QObject *parent = nullptr);
    ~ConfigManager() override;

    // Reads the file (see ConfigStore::load) and starts watching it. Call once, then read config().
    ConfigLoad load();

    const Config &config() const noexcept { return m_config; }
    QString path() const { return m_path; }

    // Saves atomically and emits changed() when the config differs from the current one.
    // A file that could not be parsed is kept aside before it is replaced, never overwritten.
    bool update(const Config &config, QString *error = nullptr);
    // Adds the rule unless an equal one exists, then saves.
    bool addWhitelistRule(const WhitelistRule &rule, QString *error = nullptr);

Q_SIGNALS:
    void changed(const portwatch::Config &config);
    // The file was edited and is now broken: the running config stays as it was.
    void problem(const QString &message);

private:
    void onFileChanged();

    QString m_path;
    Config m_config;
    QFileSystemWatcher *m_watcher = nullptr;
    bool m_fileBroken = false;
};

} // namespace portwatch

// The live configuration of a running Portwatch: loads the file, saves changes atomically, and
// notices when the file is edited behind its back, so changes apply without a restart.
#pragma once

#include "config.h"
#include "systemconfig.h"

#include <QByteArray>
#include <QObject>
#include <QString>

class QFileSystemWatcher;
class QTimer;

namespace portwatch {

class ConfigManager final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ConfigManager)
public:
    // File events are gathered this long before the file is read: saving in an editor is a burst.
    static constexpr int debounceMs = 200;

    explicit ConfigManager(QString path, QObject *parent = nullptr);
    ~ConfigManager() override;

    // System-wide defaults to read the file under (see SystemConfig); call before load(). Then
    // config() and changed() carry the merged configuration, and saves write only the user's part.
    void setSystemConfig(SystemConfig system) { m_system = std::move(system); }
    const SystemConfig &systemConfig() const noexcept { return m_system; }

    // Reads the file (see ConfigStore::load) and starts watching it. Call once, then read config().
    // External edits then arrive, debounced, as changed() (valid) or problem() (broken).
    ConfigLoad load();

    const Config &config() const noexcept { return m_config; }
    QString path() const { return m_path; }

    // Saves atomically and emits changed() when the config differs from the current one; an equal
    // config writes nothing and emits nothing. Refuses values Config::fromJson would reject.
    // A file that could not be parsed is kept aside before it is replaced, never overwritten.
    bool update(const Config &config, QString *error = nullptr);
    // Adds the rule unless an equal one exists, then saves.
    bool addWhitelistRule(const WhitelistRule &rule, QString *error = nullptr);

Q_SIGNALS:
    void changed(const portwatch::Config &config);
    // The file was edited and is now broken: the running config stays as it was. Also tells where a
    // broken edit went when a save had to move it aside first.
    void problem(const QString &message);

private:
    void onFileChanged();
    // (Re)arms the watches: editors replace the file by rename, which drops a watch on the file itself.
    void watch();
    // Whether the file on disk holds something the user wrote that we cannot read (an edit we must
    // not overwrite), including an edit the debounce has not delivered yet.
    bool diskHoldsUnreadableEdit();

    QString m_path;
    SystemConfig m_system;
    Config m_user;   // what the user's file holds (or would hold: the defaults before the first save)
    Config m_config; // in force: m_user merged with m_system
    QFileSystemWatcher *m_watcher = nullptr;
    QTimer *m_debounce = nullptr;
    // The file's content as we last read or wrote it; events that leave it so (our own saves) are ignored.
    QByteArray m_knownBytes;
    bool m_fileBroken = false;
};

} // namespace portwatch

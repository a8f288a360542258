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

    // `broken` says what load() does with a file it cannot parse: the tray keeps it aside (it saves
    // later); a read-only user such as `portwatch-cli watch` leaves it alone.
    explicit ConfigManager(QString path, QObject *parent = nullptr,
                           ConfigStore::BrokenFile broken = ConfigStore::BrokenFile::KeepAside);
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
    // The running config holds changes the file does not (a save failed or was refused).
    bool hasUnsavedChanges() const noexcept { return m_unsaved; }

    // Saves atomically and emits changed() when the config differs from the current one; an equal
    // config writes nothing and emits nothing (unless an earlier save failed: then it is saved now).
    // Refuses values Config::fromJson would reject.
    // A file that could not be parsed is kept aside before it is replaced, never overwritten.
    // A file that exists but cannot be read is never replaced: the change applies to the running
    // config only, and false is returned with the reason. So does a failed save (a full disk): the
    // file on disk stays as it was, the running config has the change, and the next save writes it.
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
    enum class DiskState {
        Ours,       // missing, or what we last read or wrote, or a valid edit: may be replaced
        BrokenEdit, // something the user wrote that does not parse: keep it aside, then replace
        Unreadable, // exists but cannot be read: never replaced; reason in m_unreadable
    };
    // What the file on disk holds now, including an edit the debounce has not delivered yet.
    DiskState diskState();

    QString m_path;
    ConfigStore::BrokenFile m_broken;
    SystemConfig m_system;
    Config m_user;   // what the user's file holds (or would hold: the defaults before the first save)
    Config m_config; // in force: m_user merged with m_system
    QFileSystemWatcher *m_watcher = nullptr;
    QTimer *m_debounce = nullptr;
    // The file's content as we last read or wrote it; events that leave it so (our own saves) are ignored.
    QByteArray m_knownBytes;
    bool m_fileBroken = false;
    // Why the file cannot be read, while it cannot: saves are refused meanwhile.
    QString m_unreadable;
    bool m_unsaved = false;
};

} // namespace portwatch

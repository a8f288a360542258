// Fuzz target: the configuration file (ConfigStore::parse: the JSON syntax, then every key's
// validation, whitelist rules and their port specs included). A file is either read, and then
// written and read back to the same configuration, or rejected with a message saying what and where.
#include "core/config.h"
#include "fuzzcheck.h"

#include <QByteArray>
#include <QString>
#include <QtGlobal>

#include <cstddef>
#include <cstdint>

using portwatch::Config;
namespace ConfigStore = portwatch::ConfigStore;

extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
    // Parsing warns about what it rejects; millions of runs need no log.
    qInstallMessageHandler([](QtMsgType, const QMessageLogContext &, const QString &) {});
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArray bytes = QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size));
    const QString path = QStringLiteral("/fuzz/config.json");
    QString message;
    const std::optional<Config> config = ConfigStore::parse(bytes, path, &message);
    if (!config) {
        PORTWATCH_FUZZ_CHECK(!message.isEmpty(), "a rejected configuration says why");
        return 0;
    }
    QString again;
    const std::optional<Config> reread = ConfigStore::parse(ConfigStore::serialize(*config), path, &again);
    PORTWATCH_FUZZ_CHECK(reread.has_value(), "what save() writes, load() reads");
    PORTWATCH_FUZZ_CHECK(*reread == *config, "a configuration saved and read back is unchanged");
    return 0;
}

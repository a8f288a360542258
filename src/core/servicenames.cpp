// Port service names: see servicenames.h.
#include "servicenames.h"

#include <QFile>
#include <QHash>
#include <QMutex>
#include <QMutexLocker>
#include <QRegularExpression>

#include <algorithm>
#include <iterator>

namespace portwatch::servicenames {

namespace {

struct Known {
    quint16 port;
    const char *name;
};

// The default watched ports and their neighbours, named as users know them; /etc/services says
// "postgresql", "http-alt" or nothing at all for several of these. TCP only: these servers speak TCP.
constexpr Known knownTcp[] = {
    {21, "FTP"},           {22, "SSH"},           {25, "SMTP"},           {53, "DNS"},
    {80, "HTTP"},          {443, "HTTPS"},        {631, "CUPS printing"}, {1433, "SQL Server"},
    {1521, "Oracle"},      {3000, "Node.js / Rails dev server"},  {3306, "MySQL"},        {3389, "Remote Desktop"},
    {4200, "Angular dev server"},                 {5000, "Flask / dev server"},
    {5173, "Vite dev server"},                    {5432, "PostgreSQL"},   {5672, "AMQP (RabbitMQ)"},
    {5900, "VNC"},         {6379, "Redis"},       {8000, "HTTP dev server"},
    {8080, "HTTP alternate"},                     {8443, "HTTPS alternate"},
    {8888, "Jupyter"},     {9000, "PHP-FPM / MinIO"},                     {9090, "Prometheus"},
    {9200, "Elasticsearch"},                      {11211, "Memcached"},   {27017, "MongoDB"},
};
constexpr Known knownUdp[] = {
    {53, "DNS"}, {67, "DHCP"}, {68, "DHCP client"}, {123, "NTP"}, {137, "NetBIOS"}, {1900, "SSDP"}, {5353, "mDNS"},
};

QString builtIn(platform::Protocol protocol, quint16 port)
{
    const auto find = [port](const auto &table) -> QString {
        const auto it = std::find_if(std::begin(table), std::end(table), [port](const Known &k) { return k.port == port; });
        return it == std::end(table) ? QString() : QString::fromLatin1(it->name);
    };
    return protocol == platform::Protocol::Tcp ? find(knownTcp) : find(knownUdp);
}

struct ServicesFile {
    QMutex mutex;
    QString path = QStringLiteral("/etc/services");
    bool loaded = false;
    QHash<quint32, QString> names; // (port << 1 | udp) -> name
};

ServicesFile &servicesFile()
{
    static ServicesFile file;
    return file;
}

quint32 keyOf(platform::Protocol protocol, quint16 port)
{
    return quint32(port) << 1 | (protocol == platform::Protocol::Udp ? 1U : 0U);
}

// "name  port/proto  [aliases...]  [# comment]"; the first line for a port wins, as getservbyport has it.
void load(ServicesFile &file)
{
    file.loaded = true;
    QFile in(file.path);
    if (!in.open(QIODevice::ReadOnly | QIODevice::Text))
        return;
    static const QRegularExpression whitespace(QStringLiteral("\\s+"));
    while (!in.atEnd()) {
        QString line = QString::fromUtf8(in.readLine());
        if (const qsizetype hash = line.indexOf(QLatin1Char('#')); hash >= 0)
            line.truncate(hash);
        const QStringList fields = line.split(whitespace, Qt::SkipEmptyParts);
        if (fields.size() < 2)
            continue;
        const QStringList portProto = fields.at(1).split(QLatin1Char('/'));
        if (portProto.size() != 2)
            continue;
        bool ok = false;
        const uint port = portProto.at(0).toUInt(&ok);
        if (!ok || port < 1 || port > 65535)
            continue;
        const QString proto = portProto.at(1).toLower();
        if (proto != QLatin1String("tcp") && proto != QLatin1String("udp"))
            continue;
        const platform::Protocol protocol = proto == QLatin1String("udp") ? platform::Protocol::Udp : platform::Protocol::Tcp;
        const quint32 key = keyOf(protocol, quint16(port));
        if (!file.names.contains(key))
            file.names.insert(key, fields.at(0));
    }
}

} // namespace

QString name(platform::Protocol protocol, quint16 port)
{
    if (QString known = builtIn(protocol, port); !known.isEmpty())
        return known;
    ServicesFile &file = servicesFile();
    QMutexLocker lock(&file.mutex);
    if (!file.loaded)
        load(file);
    return file.names.value(keyOf(protocol, port));
}

void preload()
{
    ServicesFile &file = servicesFile();
    QMutexLocker lock(&file.mutex);
    if (!file.loaded)
        load(file);
}

void setServicesFile(const QString &path)
{
    ServicesFile &file = servicesFile();
    QMutexLocker lock(&file.mutex);
    file.path = path;
    file.loaded = false;
    file.names.clear();
}

} // namespace portwatch::servicenames

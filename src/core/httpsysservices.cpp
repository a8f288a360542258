// The table of services known to take ports through HTTP.sys, and reading URL reservations.
#include "httpsysservices.h"

#include <QCryptographicHash>
#include <QRegularExpression>
#include <QtEndian>

namespace portwatch::httpsys {

const QList<KnownService> &knownServices()
{
    static const QList<KnownService> services{
        {QStringLiteral("W3SVC"), QStringLiteral("IIS (World Wide Web Publishing Service)"), {}, {}},
        {QStringLiteral("WAS"), QStringLiteral("Windows Process Activation Service (IIS, WCF hosting)"), {}, {}},
        {QStringLiteral("MsDepSvc"), QStringLiteral("Web Deployment Agent Service"), {80}, QStringLiteral("/MSDEPLOYAGENTSERVICE/")},
        {QStringLiteral("WMSvc"), QStringLiteral("IIS Web Management Service"), {8172}, {}},
        {QStringLiteral("ReportServer"), QStringLiteral("SQL Server Reporting Services"), {80, 443}, QStringLiteral("/ReportServer")},
        {QStringLiteral("SQLServerReportingServices"), QStringLiteral("SQL Server Reporting Services"), {80, 443}, QStringLiteral("/ReportServer")},
        {QStringLiteral("PowerBIReportServer"), QStringLiteral("Power BI Report Server"), {80, 443}, QStringLiteral("/Reports")},
        {QStringLiteral("PeerDistSvc"), QStringLiteral("BranchCache"), {80, 443}, QStringLiteral("/116B50EB-ECE2-41ac-8429-9F9E963361B7/")},
        {QStringLiteral("WinRM"), QStringLiteral("Windows Remote Management"), {5985, 5986, 47001}, QStringLiteral("/wsman/")},
        {QStringLiteral("SstpSvc"), QStringLiteral("Secure Socket Tunneling Protocol Service"), {443}, QStringLiteral("/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/")},
        {QStringLiteral("upnphost"), QStringLiteral("UPnP Device Host"), {2869}, {}},
        {QStringLiteral("SSDPSRV"), QStringLiteral("SSDP Discovery"), {2869}, {}},
        {QStringLiteral("fdPHost"), QStringLiteral("Function Discovery Provider Host (WS-Discovery)"), {5357, 5358}, {}},
        {QStringLiteral("FDResPub"), QStringLiteral("Function Discovery Resource Publication"), {5357, 5358}, {}},
        {QStringLiteral("WMPNetworkSvc"), QStringLiteral("Windows Media Player Network Sharing Service"), {10243}, {}},
    };
    return services;
}

QString serviceSid(const QString &serviceName)
{
    const QString upper = serviceName.toUpper();
    QByteArray utf16le;
    for (const QChar c : upper) {
        utf16le.append(static_cast<char>(c.unicode() & 0xff));
        utf16le.append(static_cast<char>(c.unicode() >> 8));
    }
    const QByteArray digest = QCryptographicHash::hash(utf16le, QCryptographicHash::Sha1);
    QString sid = QStringLiteral("S-1-5-80");
    for (int i = 0; i < 5; ++i)
        sid += QStringLiteral("-%1").arg(qFromLittleEndian<quint32>(digest.constData() + 4 * i));
    return sid;
}

QStringList sddlAccounts(const QString &sddl)
{
    // Each ACE is "(type;flags;rights;;;trustee)"; the trustee is an SDDL alias or a SID.
    static const QRegularExpression ace(QStringLiteral(R"(\(([^;()]*;){5}([^;()]+)\))"));
    static const QList<std::pair<QString, QString>> aliases{
        {QStringLiteral("WD"), QStringLiteral("Everyone")},
        {QStringLiteral("NS"), QStringLiteral("NETWORK SERVICE")},
        {QStringLiteral("LS"), QStringLiteral("LOCAL SERVICE")},
        {QStringLiteral("SY"), QStringLiteral("SYSTEM")},
        {QStringLiteral("BA"), QStringLiteral("Administrators")},
        {QStringLiteral("BU"), QStringLiteral("Users")},
        {QStringLiteral("AU"), QStringLiteral("Authenticated Users")},
    };
    QStringList accounts;
    for (auto match = ace.globalMatch(sddl); match.hasNext();) {
        const QString trustee = match.next().captured(2);
        QString account = trustee;
        for (const auto &[alias, name] : aliases)
            if (trustee == alias)
                account = name;
        for (const KnownService &service : knownServices())
            if (trustee == serviceSid(service.name))
                account = QStringLiteral("NT SERVICE\\") + service.name;
        if (!accounts.contains(account))
            accounts << account;
    }
    return accounts;
}

QStringList servicesForReservation(const QString &url, const QString &sddl)
{
    QStringList names;
    for (const QString &account : sddlAccounts(sddl))
        if (account.startsWith(QLatin1String("NT SERVICE\\")))
            names << account.mid(11);
    if (!names.isEmpty())
        return names;
    for (const KnownService &service : knownServices())
        if (!service.urlFragment.isEmpty() && url.contains(service.urlFragment, Qt::CaseInsensitive))
            names << service.name;
    return names;
}

} // namespace portwatch::httpsys

// Unit tests for PortSpec: accepted forms, exact matching, every error kind with its message,
// canonical text round trip, and the merge into a SocketQuery.
#include "core/portspec.h"

#include <QTest>

using portwatch::PortSpec;
using portwatch::PortSpecItem;
using portwatch::socketQueryFor;
using portwatch::platform::PortRange;
using portwatch::platform::Protocol;
using portwatch::platform::SocketQuery;

namespace {

PortSpec mustParse(const QString &text)
{
    QString error;
    const auto spec = PortSpec::parse(text, &error);
    if (!spec)
        qFatal("unexpected parse failure of \"%s\": %s", qPrintable(text), qPrintable(error));
    return *spec;
}

} // namespace

class TestPortSpec : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void acceptedForms_data();
    void acceptedForms();
    void exactMatching();
    void protocolMatching();
    void rangeMatching();
    void errors_data();
    void errors();
    void errorOutputClearedOnSuccess();
    void canonicalRoundTrip_data();
    void canonicalRoundTrip();
    void duplicatesCollapse();
    void single();
    void socketQueryMergesPerProtocol();
    void socketQueryKeepsDisjointRanges();
    void socketQueryEdgesOfPortSpace();
    void labelNamesEveryProtocol();
};

void TestPortSpec::acceptedForms_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("tcp");
    QTest::addColumn<bool>("udp");
    QTest::addColumn<int>("first");
    QTest::addColumn<int>("last");

    QTest::newRow("plain") << "80" << true << true << 80 << 80;
    QTest::newRow("tcp") << "tcp/80" << true << false << 80 << 80;
    QTest::newRow("udp") << "udp/53" << false << true << 53 << 53;
    QTest::newRow("range") << "8000-8100" << true << true << 8000 << 8100;
    QTest::newRow("tcp range") << "tcp/8000-8100" << true << false << 8000 << 8100;
    QTest::newRow("colon") << ":80" << true << true << 80 << 80;
    QTest::newRow("tcp colon") << "tcp/:443" << true << false << 443 << 443;
    QTest::newRow("upper case") << "TCP/80" << true << false << 80 << 80;
    QTest::newRow("mixed case") << "Udp/5353" << false << true << 5353 << 5353;
    QTest::newRow("spaces") << "  tcp / 8000 - 8100  " << true << false << 8000 << 8100;
    QTest::newRow("lowest") << "1" << true << true << 1 << 1;
    QTest::newRow("highest") << "65535" << true << true << 65535 << 65535;
    QTest::newRow("leading zeros") << "0080" << true << true << 80 << 80;
    QTest::newRow("one-port range") << "80-80" << true << true << 80 << 80;
}

void TestPortSpec::acceptedForms()
{
    QFETCH(QString, text);
    QFETCH(bool, tcp);
    QFETCH(bool, udp);
    QFETCH(int, first);
    QFETCH(int, last);

    QString error = QStringLiteral("stale");
    const auto spec = PortSpec::parse(text, &error);
    QVERIFY2(spec, qPrintable(error));
    QCOMPARE(spec->items().size(), 1);
    const PortSpecItem &item = spec->items().constFirst();
    QCOMPARE(item.tcp, tcp);
    QCOMPARE(item.udp, udp);
    QCOMPARE(int(item.range.first), first);
    QCOMPARE(int(item.range.last), last);
}

void TestPortSpec::exactMatching()
{
    const PortSpec spec = mustParse(QStringLiteral("80"));
    QVERIFY(spec.matches(Protocol::Tcp, 80));
    QVERIFY(spec.matches(Protocol::Udp, 80));
    QVERIFY(!spec.matches(Protocol::Tcp, 8080));
    QVERIFY(!spec.matches(Protocol::Tcp, 8));
    QVERIFY(!spec.matches(Protocol::Tcp, 800));
    QVERIFY(!spec.matches(Protocol::Tcp, 180));
    QVERIFY(!spec.matches(Protocol::Tcp, 81));
    QVERIFY(!spec.matches(Protocol::Tcp, 79));

    const PortSpec spec8080 = mustParse(QStringLiteral("8080"));
    QVERIFY(spec8080.matches(Protocol::Tcp, 8080));
    QVERIFY(!spec8080.matches(Protocol::Tcp, 80));
}

void TestPortSpec::protocolMatching()
{
    const PortSpec spec = mustParse(QStringLiteral("80, udp/53"));
    QCOMPARE(spec.items().size(), 2);
    QVERIFY(spec.matches(Protocol::Tcp, 80));
    QVERIFY(spec.matches(Protocol::Udp, 80));
    QVERIFY(spec.matches(Protocol::Udp, 53));
    QVERIFY(!spec.matches(Protocol::Tcp, 53));

    const PortSpec tcpOnly = mustParse(QStringLiteral("tcp/443"));
    QVERIFY(tcpOnly.matches(Protocol::Tcp, 443));
    QVERIFY(!tcpOnly.matches(Protocol::Udp, 443));

    QVERIFY(!PortSpec().matches(Protocol::Tcp, 80));
    QVERIFY(PortSpec().isEmpty());
}

void TestPortSpec::rangeMatching()
{
    const PortSpec spec = mustParse(QStringLiteral("tcp/8000-8100"));
    QVERIFY(!spec.matches(Protocol::Tcp, 7999));
    QVERIFY(spec.matches(Protocol::Tcp, 8000));
    QVERIFY(spec.matches(Protocol::Tcp, 8050));
    QVERIFY(spec.matches(Protocol::Tcp, 8100));
    QVERIFY(!spec.matches(Protocol::Tcp, 8101));
    QVERIFY(!spec.matches(Protocol::Udp, 8050));
}

void TestPortSpec::errors_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("message");

    QTest::newRow("too big") << "99999" << R"("99999": port 99999 is out of range 1-65535)";
    QTest::newRow("just too big") << "65536" << R"("65536": port 65536 is out of range 1-65535)";
    QTest::newRow("zero") << "0" << R"("0": port 0 is out of range 1-65535)";
    QTest::newRow("huge") << "123456789012345678901234567890"
                          << R"("123456789012345678901234567890": port 123456789012345678901234567890 is out of range 1-65535)";
    QTest::newRow("range end too big") << "tcp/8000-70000" << R"("tcp/8000-70000": port 70000 is out of range 1-65535)";
    QTest::newRow("reversed") << "8100-8000" << R"("8100-8000": range 8100-8000 is reversed (write 8000-8100))";
    QTest::newRow("unknown protocol") << "sctp/80" << R"("sctp/80": unknown protocol "sctp" (use tcp or udp))";
    QTest::newRow("missing protocol") << "/80" << R"("/80": protocol missing before "/" (use tcp or udp))";
    QTest::newRow("protocol only") << "tcp" << R"("tcp": port missing (write tcp/PORT))";
    QTest::newRow("protocol and slash") << "udp/" << R"("udp/": port number missing)";
    QTest::newRow("garbage") << "8o" << R"("8o": "8o" is not a port number)";
    QTest::newRow("sign") << "+80" << R"("+80": "+80" is not a port number)";
    QTest::newRow("word") << "http" << R"("http": "http" is not a port number)";
    QTest::newRow("double protocol") << "tcp/udp/80" << R"("tcp/udp/80": "udp/80" is not a port number)";
    QTest::newRow("open range") << "8000-" << R"("8000-": range "8000-" is incomplete (write FIRST-LAST, e.g. 8000-8100))";
    QTest::newRow("negative") << "-80" << R"("-80": range "-80" is incomplete (write FIRST-LAST, e.g. 8000-8100))";
    QTest::newRow("three-part range") << "1-2-3" << R"("1-2-3": "2-3" is not a port number)";
    QTest::newRow("colon only") << ":" << R"(":": port number missing)";
    QTest::newRow("empty") << "" << "the port spec is empty";
    QTest::newRow("blank") << "   " << "the port spec is empty";
    QTest::newRow("empty element") << "80,,443" << R"(element 2 of "80,,443" is empty (a stray comma?))";
    QTest::newRow("trailing comma") << "80, " << R"(element 2 of "80," is empty (a stray comma?))";
    QTest::newRow("leading comma") << ",80" << R"(element 1 of ",80" is empty (a stray comma?))";
    QTest::newRow("bad element in list") << "80, udp/53, 8o" << R"("8o": "8o" is not a port number)";
    QTest::newRow("bad element first") << "99999, 80" << R"("99999": port 99999 is out of range 1-65535)";
}

void TestPortSpec::errors()
{
    QFETCH(QString, text);
    QFETCH(QString, message);

    QString error;
    const auto spec = PortSpec::parse(text, &error);
    QVERIFY(!spec);
    QCOMPARE(error, message);
    // Parsing without an error output must also just fail, not crash.
    QVERIFY(!PortSpec::parse(text));
}

void TestPortSpec::errorOutputClearedOnSuccess()
{
    QString error = QStringLiteral("from an earlier call");
    QVERIFY(PortSpec::parse(u"80", &error));
    QVERIFY(error.isEmpty());
}

void TestPortSpec::canonicalRoundTrip_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("canonical");

    QTest::newRow("plain") << "80" << "80";
    QTest::newRow("colon") << ":80" << "80";
    QTest::newRow("upper") << "TCP/80" << "tcp/80";
    QTest::newRow("one-port range") << "udp/53-53" << "udp/53";
    QTest::newRow("range") << " tcp / 8000 - 8100 " << "tcp/8000-8100";
    QTest::newRow("list") << "80,udp/53,  tcp/8000-8100" << "80, udp/53, tcp/8000-8100";
    QTest::newRow("order kept") << "443, 80" << "443, 80";
    QTest::newRow("leading zeros") << "tcp/0443" << "tcp/443";
}

void TestPortSpec::canonicalRoundTrip()
{
    QFETCH(QString, text);
    QFETCH(QString, canonical);

    const PortSpec spec = mustParse(text);
    QCOMPARE(spec.toString(), canonical);
    const PortSpec again = mustParse(spec.toString());
    QCOMPARE(again, spec);
    QCOMPARE(again.toString(), canonical);
}

void TestPortSpec::duplicatesCollapse()
{
    const PortSpec spec = mustParse(QStringLiteral("80, :80, tcp/443, TCP/443"));
    QCOMPARE(spec.toString(), QStringLiteral("80, tcp/443"));
    QCOMPARE(spec, mustParse(QStringLiteral("80,tcp/443")));
    QVERIFY(spec != mustParse(QStringLiteral("tcp/443, 80")));
}

void TestPortSpec::single()
{
    const PortSpec tcp = PortSpec::single(Protocol::Tcp, 8080);
    QCOMPARE(tcp.toString(), QStringLiteral("tcp/8080"));
    QCOMPARE(tcp, mustParse(QStringLiteral("tcp/8080")));
    QVERIFY(tcp.matches(Protocol::Tcp, 8080));
    QVERIFY(!tcp.matches(Protocol::Udp, 8080));

    const PortSpec udp = PortSpec::single(Protocol::Udp, 53);
    QCOMPARE(udp.toString(), QStringLiteral("udp/53"));
}

void TestPortSpec::socketQueryMergesPerProtocol()
{
    // 80 covers both protocols; 81 and 79-80 touch it; the udp range overlaps the udp part of 80.
    const QList<PortSpec> specs{mustParse(QStringLiteral("80")), mustParse(QStringLiteral("tcp/81")),
                                mustParse(QStringLiteral("tcp/79-80")), mustParse(QStringLiteral("udp/70-85")),
                                mustParse(QStringLiteral("tcp/80"))};
    const SocketQuery query = socketQueryFor(specs);
    const std::vector<SocketQuery::Item> expected{
        {Protocol::Tcp, PortRange{79, 81}},
        {Protocol::Udp, PortRange{70, 85}},
    };
    QVERIFY(query.items == expected);
    QVERIFY(!query.all());
}

void TestPortSpec::socketQueryKeepsDisjointRanges()
{
    SocketQuery query;
    query.items.push_back({Protocol::Tcp, PortRange{8080, 8080}});
    mustParse(QStringLiteral("tcp/80, tcp/443, tcp/8000-8079")).addTo(query);
    const std::vector<SocketQuery::Item> expected{
        {Protocol::Tcp, PortRange{80, 80}},
        {Protocol::Tcp, PortRange{443, 443}},
        {Protocol::Tcp, PortRange{8000, 8080}},
    };
    QVERIFY(query.items == expected);

    // Adding the same spec again changes nothing.
    const SocketQuery before = query;
    mustParse(QStringLiteral("tcp/443")).addTo(query);
    QVERIFY(query.items == before.items);

    QVERIFY(socketQueryFor({}).all());
}

void TestPortSpec::socketQueryEdgesOfPortSpace()
{
    const SocketQuery query =
        socketQueryFor({mustParse(QStringLiteral("udp/65535")), mustParse(QStringLiteral("udp/1-65534"))});
    const std::vector<SocketQuery::Item> expected{{Protocol::Udp, PortRange{1, 65535}}};
    QVERIFY(query.items == expected);
}

// What people read names the protocol of every port; the config keeps the short form.
void TestPortSpec::labelNamesEveryProtocol()
{
    QCOMPARE(PortSpec::parse(u"8000-8100")->label(), QStringLiteral("tcp/8000-8100, udp/8000-8100"));
    QCOMPARE(PortSpec::parse(u"8000-8100")->toString(), QStringLiteral("8000-8100"));
    QCOMPARE(PortSpec::parse(u"tcp/8000-8100")->label(), QStringLiteral("tcp/8000-8100"));
    QCOMPARE(PortSpec::parse(u"tcp/80, udp/53")->label(), QStringLiteral("tcp/80, udp/53"));
    // Read back, the label watches the same ports.
    const auto back = PortSpec::parse(PortSpec::parse(u"80, udp/5353")->label());
    QVERIFY(back);
    QVERIFY(back->matches(portwatch::platform::Protocol::Tcp, 80) && back->matches(portwatch::platform::Protocol::Udp, 80));
    QVERIFY(!back->matches(portwatch::platform::Protocol::Tcp, 5353));
}

QTEST_GUILESS_MAIN(TestPortSpec)
#include "tst_portspec.moc"

// Small helpers for validating JSON values and phrasing what was wrong with them, shared by the
// whitelist rule and config readers so their messages read alike.
#pragma once

#include <QJsonValue>
#include <QLocale>
#include <QString>

#include <cmath>
#include <optional>

namespace portwatch::json {

// The value as a user would recognise it in their file: "\"fast\"", "12.5", "true", "null", "an array".
inline QString describe(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::String:
        return QLatin1Char('"') + value.toString() + QLatin1Char('"');
    case QJsonValue::Double:
        return QString::number(value.toDouble(), 'g', QLocale::FloatingPointShortest);
    case QJsonValue::Bool:
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    case QJsonValue::Null:
        return QStringLiteral("null");
    case QJsonValue::Array:
        return QStringLiteral("an array");
    case QJsonValue::Object:
        return QStringLiteral("an object");
    case QJsonValue::Undefined:
        break;
    }
    return QStringLiteral("nothing");
}

inline QString mustBe(const QString &what, const QJsonValue &value)
{
    return QStringLiteral("must be %1, got %2").arg(what, describe(value));
}

// A whole number in [min, max]; JSON has only doubles, so 12.5 and 1e300 are rejected here.
inline std::optional<int> wholeNumber(const QJsonValue &value, int min, int max, QString *why)
{
    if (!value.isDouble()) {
        *why = mustBe(QStringLiteral("a whole number"), value);
        return std::nullopt;
    }
    const double number = value.toDouble();
    if (std::trunc(number) != number) {
        *why = mustBe(QStringLiteral("a whole number"), value);
        return std::nullopt;
    }
    if (number < min || number > max) {
        *why = QStringLiteral("%1 is out of range %2-%3").arg(describe(value)).arg(min).arg(max);
        return std::nullopt;
    }
    return static_cast<int>(number);
}

} // namespace portwatch::json

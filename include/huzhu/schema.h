/* include/huzhu/schema.h - labels of the domain schema for people: what
 * the CLI and the web interface show instead of wire names. */
#ifndef HUZHU_SCHEMA_H
#define HUZHU_SCHEMA_H

#include "huzhu/error.h"

enum hz_lang {
    HZ_LANG_ZH = 0,
    HZ_LANG_EN = 1,
};

/* The label of enum value @value of @table.@column in @lang, or NULL when
 * the table, column or value is unknown. Returns a static string. */
HZ_API const char *hz_enum_label(const char *table, const char *column,
                                 const char *value, enum hz_lang lang);

/* The label of @table.@column (or of @table when @column is NULL) in
 * @lang, or NULL when unknown. Returns a static string. */
HZ_API const char *hz_column_label(const char *table, const char *column,
                                   enum hz_lang lang);

#endif

/* json.h - the one number writer and the one string escaper every JSON document of pam4sim goes
 * through, so that every file it writes parses as JSON (RFC 8259) whatever the values.
 *
 * Numbers: finite values with 9 significant digits (enough for any double the reports hold to read
 * back within 1e-9); JSON has no NaN or infinity, so those are written as null. Where a member
 * holds the number, p4_json_key adds the reason beside it ("KEY_reason": "+inf", "-inf" or "nan").
 * Strings: '"', '\\' and every control character escaped (\n, \t, ... or \u00XX); other bytes as
 * they are (the program's strings are UTF-8 or ASCII).
 */
#ifndef PAM4SIM_JSON_H
#define PAM4SIM_JSON_H
#include <stddef.h>
#include <stdio.h>

/* A number (null for NAN and infinities). */
void p4_json_num(FILE *f, double v);
/* n numbers v[0], v[stride], ... as a JSON array (null for NAN and infinities). */
void p4_json_array(FILE *f, const double *v, int n, size_t stride);
/* The member "key": v, and for a value that is not finite "key": null, "key_reason": "+inf". */
void p4_json_key(FILE *f, const char *key, double v);
/* A string, quoted and escaped. */
void p4_json_str(FILE *f, const char *s);
/* The same into out[n] (always terminated; cut short, but never inside an escape, if n is small). */
void p4_json_str_buf(char *out, size_t n, const char *s);

#endif

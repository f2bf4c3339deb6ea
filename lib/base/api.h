/* api: what marks a function (or the kernel seam's table) as part of the
 * installed libnumamig's API. The library is compiled with
 * -fvisibility=hidden, so nothing else can be reached from the shared
 * object; lib/libnumamig.sym names the same functions, and
 * debian/libnumamig0.symbols records them (tests/check-api.sh checks that
 * the three agree and that each is declared in an installed header). */
#ifndef NUMAMIG_API_H
#define NUMAMIG_API_H

#define NM_API __attribute__((visibility("default")))

#endif

#ifndef CHIREDIS_SHIM_H
#define CHIREDIS_SHIM_H

#include <hiredis/hiredis.h>
#include <hiredis/read.h>

/*
 * hiredis exposes parts of its reader API as function-like macros
 * (redisReaderGetError, redisReaderSetPrivdata), which Swift cannot import.
 * These inline wrappers give Swift the same access without touching the
 * struct layout from the Swift side (errstr is a fixed-size char array that
 * would otherwise surface as a 128-element tuple).
 */

/* The reader's last error message; only meaningful after a REDIS_ERR. */
static inline const char *chiredis_reader_errstr(const redisReader *reader) {
    return reader->errstr;
}

/* Attach the Swift-side decoding context handed to every reply callback
   through redisReadTask.privdata. */
static inline void chiredis_reader_set_privdata(redisReader *reader, void *privdata) {
    reader->privdata = privdata;
}

#endif

/* cutvfs.h - an SQLite VFS that simulates power cuts (DECISIONS 22).
 *
 * kill -9 cannot find a missing fsync: the page cache survives it. This
 * VFS keeps every write in memory until xSync writes the file's image to
 * disk; a simulated cut drops everything not yet synced. It wraps the
 * default VFS and is registered as the default, so a node opened after
 * cutvfs_install() uses it without knowing. */
#ifndef HZ_CUTVFS_H
#define HZ_CUTVFS_H

/* Register the VFS as SQLite's default. 0 or an SQLite error code. */
int cutvfs_install(void);

/* After @n more writes or syncs, the power goes: that call and every
 * later one fails with SQLITE_IOERR and nothing more reaches the disk.
 * 0 disarms. */
void cutvfs_arm(unsigned long n);

/* The power is back: calls succeed again (files opened before the cut
 * must be closed first; their unsynced writes are gone). */
void cutvfs_restore(void);

/* True once the armed cut has happened. */
int cutvfs_is_dead(void);

/* Syncs that reached the disk since install (for the test's report). */
unsigned long cutvfs_syncs(void);

#endif

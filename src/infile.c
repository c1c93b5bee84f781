/* minnorm — input files: open a regular file for reading without blocking.
 *
 * open(2) on a FIFO blocks until a writer appears, and reading a device or
 * a directory makes no sense for a data or model file, so every loader
 * opens through here: O_NONBLOCK makes the open itself return at once, then
 * fstat on the descriptor (not stat on the name: no race with a rename)
 * refuses anything but a regular file, and the flag is cleared again so
 * that reads behave normally. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "minnorm/io.h"

static const char *file_type(mode_t m)
{
  if (S_ISDIR(m)) return "a directory";
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISSOCK(m)) return "a socket";
  return "not a plain file";
}

mn_status mn_in_open(const char *path, FILE **f, size_t *size)
{
  *f = NULL;
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return mn_error_set(MN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return mn_error_set(MN_ERR_IO, "%s: cannot stat: %s", path, strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return mn_error_set(MN_ERR_IO, "%s: not a regular file (%s)", path, file_type(st.st_mode));
  }
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0 || !(*f = fdopen(fd, "rb"))) {
    int e = errno;
    close(fd);
    return mn_error_set(MN_ERR_IO, "%s: cannot open: %s", path, strerror(e));
  }
  if (size) *size = (size_t)st.st_size;
  return MN_OK;
}

/** File system errors as reasons a user can act on; the code stays in brackets for searching. */

const MEANING: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EIO: 'input/output error (failing disk or network share?)',
  ELOOP: 'too many levels of symlinks',
  EISDIR: 'is a folder',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'name too long',
};

/** "permission denied (EACCES)"; `missing` says what ENOENT means where the caller saw it. */
export function describeFsError(e: unknown, missing = 'does not exist'): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === undefined) return String(e);
  const meaning = code === 'ENOENT' ? missing : MEANING[code];
  return meaning ? `${meaning} (${code})` : code;
}

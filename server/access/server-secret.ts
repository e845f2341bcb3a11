import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The key tokens are signed with: `SERVER_SECRET` when set (required when several instances must
 * accept each other's tokens), else a random one generated once and kept in the data directory
 * (`server-secret`, mode 0600) so tokens survive a restart. With memory storage nothing is kept.
 */
export function loadServerSecret(options: { secret: string | undefined; dataDir: string; persist: boolean }): Buffer {
  if (options.secret) return Buffer.from(options.secret, 'utf8');
  if (!options.persist) return randomBytes(32);
  const file = path.join(options.dataDir, 'server-secret');
  try {
    return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64url');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  fs.mkdirSync(options.dataDir, { recursive: true });
  const secret = randomBytes(32);
  try {
    // 'wx': if another instance wrote it first, read theirs instead of overwriting it.
    fs.writeFileSync(file, secret.toString('base64url'), { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64url');
  }
}

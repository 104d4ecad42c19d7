import { basename, join } from 'node:path';
import { watch } from 'chokidar';

/** A running watch over a project's rules, templates and settings. */
export interface ProjectWatcher {
  /** Resolves once the initial scan is done: changes after this are seen. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** Options of {@link watchProject}. */
interface ProjectWatchOptions {
  /** Quiet time after the last change before `onChange` runs (editors write in bursts). */
  debounceMs?: number;
  /** Told about a watcher failure (the watch goes on where it can). */
  onError?: (error: unknown) => void;
}

/**
 * Editors' scratch files: vim's swap files and its `4913` write probe, backups ending in `~`,
 * Emacs lock and autosave files, and `sed -i`'s temporary `sedXXXXXX`. Ignoring them keeps a
 * save to one reload; the rename that ends the save is still seen on the real file.
 */
function isScratchFile(path: string): boolean {
  const name = basename(path);
  return (
    name.endsWith('~') ||
    name === '4913' ||
    /^\.#|^#.*#$/.test(name) ||
    /\.sw[a-p]x?$/.test(name) ||
    /^sed[A-Za-z0-9]{6}$/.test(name)
  );
}

/**
 * Calls `onChange` (once per burst of changes) when anything under `rules/` or `templates/`, or
 * `nudge.config.yaml`, is written, created, renamed over or deleted.
 *
 * Uses chokidar rather than `fs.watch(dir, { recursive: true })`: on Node 20 the latter stops
 * reporting in-place writes to a file after a rename-style save of it (`sed -i`, vim, an IDE's
 * "safe write" replace the file's inode), so every later save went unseen. chokidar re-attaches
 * to the new file, and with `atomic` it reports a delete-then-add within 100 ms as one change.
 */
export function watchProject(
  projectDir: string,
  onChange: () => void,
  options: ProjectWatchOptions = {},
): ProjectWatcher {
  const debounceMs = options.debounceMs ?? 200;
  const watcher = watch(
    ['rules', 'templates', 'nudge.config.yaml'].map((part) => join(projectDir, part)),
    { ignoreInitial: true, atomic: true, ignored: isScratchFile },
  );
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  };
  for (const event of ['add', 'change', 'unlink', 'addDir', 'unlinkDir'] as const) watcher.on(event, changed);
  watcher.on('error', (error) => options.onError?.(error));
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    ready,
    close: async () => {
      clearTimeout(timer);
      await watcher.close();
    },
  };
}

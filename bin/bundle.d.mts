/** The path of the bundle of `entry` (relative to the repository), built first if the sources changed. */
export function bundle(entry: string): Promise<string>;

/** Types of tools/dependency-direction.mjs. */
export declare const RULES: Record<string, { imports: string[]; typeOnly: string[]; host: boolean }>;
export declare function importsOf(source: string): { specifier: string; typeOnly: boolean }[];
export declare function checkSource(packageName: string, fileName: string, source: string): string[];
export declare function checkManifest(manifest: {
  name: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}): string[];
export declare function checkRepository(root: string): string[];

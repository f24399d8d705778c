// The output formats, apart from the renderers themselves so the option table can name them without loading them.
export const FORMATS = ['table', 'json', 'prometheus'] as const;
export type Format = (typeof FORMATS)[number];

/** Recorded in every manifest; bump when the same YAML would compile to different artifacts. */
export const COMPILER_VERSION = '1.0.0';

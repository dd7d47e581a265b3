export type Direction = 'minimize' | 'maximize';

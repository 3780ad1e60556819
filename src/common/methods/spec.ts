/** Stand-in for the `specs` branch's spec types (contracts.md); the lead takes theirs at merge. */
import type { MethodName } from '../../protocol/run.js';

export type SettingSpec = {
  type: 'number' | 'integer' | 'boolean' | 'choice';
  default: number | string | boolean;
  min?: number;
  max?: number;
  choices?: readonly string[];
  unit?: string;
  doc: string;
  paper?: { value: number | string | boolean; why: string };
};

export type MethodSpec = {
  name: MethodName;
  label: string;
  description: string;
  defaults: { epochs: number; batchSize: number; learningRate: number };
  settings: Record<string, SettingSpec>;
};

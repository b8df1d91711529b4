/** Third-party modules that `import 'mneme'` loads (the Kurrent client is loaded on first use only). */
export const MNEME_DEPENDENCIES = ['reflect-metadata', 'class-transformer', 'inversify', '@opentelemetry/api'] as const;

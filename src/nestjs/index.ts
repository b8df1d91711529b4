/** `mneme/nestjs`: Mneme in NestJS's dependency injection (`@nestjs/common` and `@nestjs/core` 11). */
export {
  MnemeModule,
  MNEME_CONTAINER,
  MNEME_OPTIONS,
  type MnemeNestOptions,
  type MnemeNestAsyncOptions,
  type MnemeNestAsyncSettings,
} from './mneme-nest-module.js';

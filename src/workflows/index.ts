/** Workflow entry point for the worker bundle: every workflow the worker runs. */
export { handlerNamesWorkflow } from './handler-names';
export { jobWorkflow } from './job-workflow';

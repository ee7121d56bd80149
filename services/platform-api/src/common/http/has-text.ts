import { Matches } from 'class-validator';

/** Refuses a string of nothing but whitespace: a name, a reason or a description must say something. */
export const HasText = (): PropertyDecorator => Matches(/\S/, { message: '$property must not be blank' });
